"""Three `filon explorer serve` processes over one real PostgreSQL, all syncing from the same node: the
index's lock makes their syncs take turns (each step is stored by one of them, under `SELECT ... FOR UPDATE`
on the index's state), so the index stays equal to the chain, and all three answer the same, also while one
is killed and restarted."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import World, assert_index_matches_chain, declare, head

FILON = Path(sys.executable).parent / "filon"
REPLICAS = 3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Replica:
    """One explorer process on its own port, syncing the shared index every 0.2 s."""

    def __init__(self, world: World, manifest: Path, database_url: str, store: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = ["explorer", "serve", "--deployment", str(manifest), "--rpc", world.url]
        self.process = subprocess.Popen(
            [str(FILON), *command, "--store", str(store), "--port", str(self.port), "--sync-interval", "0.2"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "FILON_DATABASE_URL": database_url},
        )

    def get(self, path: str) -> object:
        with urllib.request.urlopen(self.base + path, timeout=10) as response:
            assert response.status == 200
            return json.loads(response.read())

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 120
        while True:
            try:
                self.get("/api/status")
                return
            except (OSError, urllib.error.URLError):
                assert self.process.poll() is None, self.process.communicate()[1]
                assert time.monotonic() < deadline, "the explorer did not start"
                time.sleep(0.1)

    def stop(self) -> str:
        """Stops it as Ctrl-C does; returns what it wrote on stderr."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        _, errors = self.process.communicate(timeout=60)
        return errors


class Cluster:
    """The replicas, and how to start one more over the same index and store."""

    def __init__(self, world: World, manifest: Path, database_url: str, store: Path) -> None:
        self.world, self.manifest, self.database_url, self.store = world, manifest, database_url, store
        self.replicas: list[Replica] = []
        self.started: list[Replica] = []

    def start(self) -> Replica:
        replica = Replica(self.world, self.manifest, self.database_url, self.store)
        self.started.append(replica)
        return replica


@pytest.fixture
def cluster(world: World, postgres_database: str, tmp_path: Path) -> Iterator[Cluster]:
    manifest = world.deployment.save(tmp_path / "deployment.json")
    cluster = Cluster(world, manifest, postgres_database, tmp_path / "store")
    try:
        cluster.replicas = [cluster.start() for _ in range(REPLICAS)]
        for replica in cluster.replicas:
            replica.wait_ready()
        yield cluster
    finally:
        for replica in cluster.started:
            replica.stop()


def _all_at(replicas: list[Replica], block: int, lots: list[int]) -> list[object]:
    """Waits until every replica's index has read up to `block`; returns what each says of `lots` and of
    the home page, which must be the same."""
    deadline = time.monotonic() + 120
    for replica in replicas:
        while replica.get("/api/status")["last_block"] < block:  # type: ignore[index]
            assert time.monotonic() < deadline, f"{replica.base} did not sync to block {block}"
            time.sleep(0.1)
    answers = []
    for replica in replicas:
        pages = [replica.get(f"/api/lots/{lot}") for lot in lots]
        for page in pages:
            page.pop("url"), page.pop("qr"), page.pop("qr_png")  # type: ignore[attr-defined]  # its own port
        answers.append([pages, replica.get("/api/")])
    return answers


def test_three_explorers_over_one_postgresql_answer_the_same(
    world: World, cluster: Cluster, postgres_database: str
) -> None:
    replicas = cluster.replicas
    lots = declare(world, 6)
    answers = _all_at(replicas, head(world.url), lots)
    assert answers == [answers[0]] * REPLICAS
    assert [lot["id"] for lot in answers[0][0]] == lots  # type: ignore[index]

    killed = replicas[1]
    killed.process.send_signal(signal.SIGKILL)
    killed.process.wait(timeout=30)
    lots += declare(world, 6, miner=world.roles.miner2)  # synced by the two left, meanwhile
    answers = _all_at([replicas[0], replicas[2]], head(world.url), lots)
    assert answers[0] == answers[1]

    replicas[1] = cluster.start()
    replicas[1].wait_ready()
    lots += declare(world, 3)
    answers = _all_at(replicas, head(world.url), lots)
    assert answers == [answers[0]] * REPLICAS
    assert len(answers[0][0]) == 15  # type: ignore[arg-type]

    with world.index(postgres_database) as index:  # what they stored, taking turns, is the chain
        assert_index_matches_chain(index, world.client(), world.roles.everyone())
    for replica in replicas:
        errors = replica.stop()
        assert "Traceback" not in errors and "cannot sync" not in errors, errors
