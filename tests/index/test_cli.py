"""`filon index sync` and `filon index status` on a real chain: in process for their output and errors, and
as a real process for --follow (stopped with Ctrl-C) and the progress bar."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import filon
from filon._cli import cli
from filon._cli._common import run
from filon.devchain import start_anvil
from filon.index import open_index

from .helpers import Roles, World, assert_index_matches_chain, contract_logs, declare, head, rpc

Filon = Callable[..., tuple[int, str, str]]
FILON = Path(sys.executable).with_name("filon")


@pytest.fixture
def filon_cli(capsys: pytest.CaptureFixture[str]) -> Filon:
    """Runs `filon ARGS...` in process; returns (exit code, stdout, stderr)."""

    def invoke(*args: str) -> tuple[int, str, str]:
        code = run(cli, list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def manifest(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The manifest, and the environment an operator would have (FILON_DATA keeps the default index here)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FILON_RPC_URL", world.url)
    monkeypatch.setenv("FILON_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("FILON_DATABASE_URL", raising=False)
    path = world.deployment.save(tmp_path / "deployment.json")
    monkeypatch.setenv("FILON_DEPLOYMENT", str(path))
    return path


def _default_database(world: World, tmp_path: Path) -> Path:
    return (
        tmp_path / "data" / "index" / f"{world.deployment.chain_id}-{world.deployment.address.lower()}.sqlite"
    )


def _one_error(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert (code, out) == (1, ""), (code, out, err)
    assert err.startswith("Error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err.removeprefix("Error: ").removesuffix("\n")


def test_sync_json_then_status(world: World, manifest: Path, tmp_path: Path, filon_cli: Filon) -> None:
    declare(world, 3)
    tip = head(world.url)
    database = _default_database(world, tmp_path)

    code, out, err = filon_cli("index", "sync", "--json")

    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "database": f"sqlite:///{database}",
        "from_block": world.deployment.deployment_block,
        "to_block": tip,
        "events": len(contract_logs(world)),
        "rewound_to": None,
        "confirmations": 0,
    }
    with open_index(world.deployment, rpc_url=world.url, database_url=f"sqlite:///{database}") as index:
        assert_index_matches_chain(index, world.client(), world.roles.everyone())

    declare(world, 1)
    code, out, err = filon_cli("index", "status", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "database": f"sqlite:///{database}",
        "contract": world.deployment.address,
        "chain_id": world.deployment.chain_id,
        "deployment_block": world.deployment.deployment_block,
        "last_block": tip,
        "lots": 3,
        "mines": 3,
        "head": tip + 1,
        "behind": 1,
    }


def test_sync_and_status_for_people(world: World, manifest: Path, tmp_path: Path, filon_cli: Filon) -> None:
    declare(world, 2)
    tip = head(world.url)
    database = f"sqlite:///{tmp_path / 'mine.sqlite'}"
    events = len(contract_logs(world))

    first = filon_cli("index", "sync", "--database", database, "--confirmations", "1")
    again = filon_cli("index", "sync", "--database", database, "--confirmations", "1")
    status = filon_cli("index", "status", "--database", database)

    start = world.deployment.deployment_block
    assert first == (
        0,
        f"Index {database}\nIndexed blocks {start:,}-{tip - 1:,}: {events - 2:,} new events\n",
        "",
    )
    assert again == (0, f"Index {database}\nUp to date at block {tip - 1:,}\n", "")
    assert status == (
        0,
        f"Index {database}\n"
        f"FilonLots {world.deployment.address} on chain {world.deployment.chain_id}\n"
        f"Last block indexed: {tip - 1:,} (deployment block {start:,})\n"
        "Lots: 1; mines: 3\n"
        f"Chain head: {tip:,} (1 block not indexed yet)\n",
        "",
    )


def test_sync_reports_a_reorg(world: World, manifest: Path, filon_cli: Filon) -> None:
    assert filon_cli("index", "sync")[0] == 0
    fork = head(world.url)
    snapshot = rpc(world.url, "evm_snapshot")
    declare(world, 2)
    assert filon_cli("index", "sync")[0] == 0
    assert rpc(world.url, "evm_revert", snapshot) is True
    declare(world, 3, miner=world.roles.miner2)

    code, out, _ = filon_cli("index", "sync", "--json")

    assert code == 0
    report = json.loads(out)
    assert (report["rewound_to"], report["from_block"], report["to_block"]) == (fork, fork + 1, fork + 3)
    code, out, _ = filon_cli("index", "sync")
    assert out.splitlines()[1] == f"Up to date at block {fork + 3:,}"


def test_errors_are_one_line(world: World, manifest: Path, tmp_path: Path, filon_cli: Filon) -> None:
    assert _one_error(filon_cli("index", "status")) == (
        f"No index at {_default_database(world, tmp_path)}: run `filon index sync` first"
    )
    assert _one_error(filon_cli("index", "sync", "--database", "mysql://localhost/filon")) == (
        "The index keeps its data in SQLite or PostgreSQL, not 'mysql'"
    )
    assert _one_error(filon_cli("index", "sync", "--rpc", "")) == (
        "Give --rpc (or FILON_RPC_URL): this command needs the chain"
    )
    assert filon_cli("index", "sync")[0] == 0
    other = filon.deploy(world.url, world.roles.registrar)
    database = _default_database(world, tmp_path)
    assert _one_error(
        filon_cli(
            "index",
            "sync",
            "--deployment",
            str(other.save(tmp_path / "other.json")),
            "--database",
            f"sqlite:///{database}",
        )
    ) == (
        f"The database sqlite:///{database} indexes {world.deployment.address} on chain {other.chain_id}, "
        f"not {other.address} on chain {other.chain_id}: give each deployment its own database"
    )


def _spawn(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(FILON), "index", "sync", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def test_follow_until_ctrl_c(world: World, manifest: Path, tmp_path: Path) -> None:
    env = {"FILON_DATABASE_URL": f"sqlite:///{tmp_path / 'followed.sqlite'}"}
    follower = _spawn("--follow", "--interval", "0.1", "--json", env=env)
    assert follower.stdout is not None and follower.stderr is not None
    try:
        first = json.loads(follower.stdout.readline())
        assert first["to_block"] == head(world.url)
        (lot,) = declare(world, 1)
        second = json.loads(follower.stdout.readline())
        assert (second["from_block"], second["to_block"], second["events"]) == (
            first["to_block"] + 1,
            first["to_block"] + 1,
            2,  # the mint's Transfer and LotDeclared
        )
    finally:
        follower.send_signal(signal.SIGINT)
        out, err = follower.communicate(timeout=30)
    assert (follower.returncode, out, err) == (0, "", "")
    with open_index(world.deployment, database_url=env["FILON_DATABASE_URL"]) as index:
        assert index.lot(lot) == world.client().lot(lot)

    people = _spawn("--follow", "--interval", "0.1", env=env)
    assert people.stdout is not None
    try:
        assert people.stdout.readline() == f"Index {env['FILON_DATABASE_URL']}\n"
        assert people.stdout.readline() == f"Up to date at block {head(world.url):,}\n"
    finally:
        people.send_signal(signal.SIGINT)
        out, err = people.communicate(timeout=30)
    assert (people.returncode, out, err) == (0, f"Stopped following at block {head(world.url):,}\n", "")


def test_a_progress_bar_on_a_terminal(world: World, manifest: Path, tmp_path: Path) -> None:
    declare(world, 3)
    env = {"FILON_DATABASE_URL": f"sqlite:///{tmp_path / 'bar.sqlite'}", "FORCE_COLOR": "1"}
    shown = subprocess.run(
        [str(FILON), "index", "sync", "--blocks-per-step", "1"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    assert "Indexing blocks" in shown.stderr
    quiet = subprocess.run(
        [str(FILON), "index", "sync", "--json"], capture_output=True, text=True, env={**os.environ, **env}
    )
    assert (quiet.returncode, quiet.stderr) == (0, "")


def test_follow_outlives_a_node_that_goes_away(roles: Roles, tmp_path: Path) -> None:
    """The node stops while following: one warning on stderr, the follower keeps trying, Ctrl-C ends it."""
    with start_anvil() as node:
        deployment = filon.deploy(node.url, roles.registrar)
        manifest = deployment.save(tmp_path / "deployment.json")
        env = {
            "FILON_RPC_URL": node.url,
            "FILON_DEPLOYMENT": str(manifest),
            "FILON_DATABASE_URL": f"sqlite:///{tmp_path / 'index.sqlite'}",
        }
        follower = _spawn("--follow", "--interval", "0.1", env=env)
        assert follower.stdout is not None and follower.stderr is not None
        assert follower.stdout.readline().startswith("Index ")
        block = deployment.deployment_block
        assert follower.stdout.readline() == f"Indexed blocks {block:,}-{block:,}: 2 new events\n"
    try:
        warning = follower.stderr.readline()
        assert warning.startswith("Warning: ") and warning.endswith(" (retrying)\n"), warning
        assert f":{node.port}" in warning
        assert follower.poll() is None, "still following"
    finally:
        follower.send_signal(signal.SIGINT)
        out, err = follower.communicate(timeout=30)
    assert follower.returncode == 0
    assert out == f"Stopped following at block {deployment.deployment_block:,}\n"
    assert err == ""  # the warning was said once, however many syncs failed
