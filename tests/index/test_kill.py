"""A sync killed for real (SIGKILL, in its own process) leaves the index at a step it committed, with every
row up to it and none after it; the next sync goes on from there, and the index ends equal to the chain."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import World, assert_index_matches_chain, assert_rows_exactly_up_to, declare, head

CHILD = Path(__file__).with_name("sync_child.py")
STEP = 3  # blocks per step: each step is one database transaction
KILLED_AT = 5  # the step during which the sync is killed


def _start(world: World, manifest: Path, database_url: str, mode: str) -> subprocess.Popen[str]:
    command = [sys.executable, str(CHILD), str(manifest), world.url, database_url, str(STEP), mode]
    return subprocess.Popen(
        [*command, str(KILLED_AT)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


# Killed at a commit, on both databases; killed from outside, wherever it then is, on SQLite.
@pytest.mark.parametrize(
    ("database_url", "mode"),
    [("sqlite", "commit"), ("postgresql", "commit"), ("sqlite", "print")],
    indirect=["database_url"],
)
def test_a_sync_killed_midway_resumes_with_no_gap_and_no_duplicate(
    world: World, database_url: str, tmp_path: Path, mode: str
) -> None:
    declare(world, 24)  # blocks with events, after the world's own
    manifest = world.deployment.save(tmp_path / "deployment.json")
    first = world.deployment.deployment_block
    tip = head(world.url)
    child = _start(world, manifest, database_url, mode)
    assert child.stdout is not None and child.stderr is not None
    if mode == "commit":
        # Killed by itself as step 5 commits: its rows were sent to the database, not committed.
        printed = child.stdout.read().split()
        child.wait(timeout=60)
        committed = first - 1 + (KILLED_AT - 1) * STEP
        assert printed == [str(first - 1 + k * STEP) for k in range(1, KILLED_AT)]
    else:
        # Killed from outside right after it reported step 5, wherever it then is.
        printed = [child.stdout.readline().strip() for _ in range(KILLED_AT)]
        child.kill()
        child.wait(timeout=60)
        committed = int(printed[-1])
    assert child.returncode == -signal.SIGKILL, child.stderr.read()
    child.stdout.close()
    child.stderr.close()

    with world.index(database_url, blocks_per_step=STEP) as index:
        last = index.last_block
        assert (last - (first - 1)) % STEP == 0, "the index stands at the end of a committed step"
        assert committed <= last < tip, "killed partway"
        if mode == "commit":
            assert last == committed
        assert_rows_exactly_up_to(index, world, last)

        report = index.sync()

        assert (report.from_block, report.to_block, report.rewound_to) == (last + 1, tip, None)
        assert_rows_exactly_up_to(index, world, tip)
        assert_index_matches_chain(index, world.client(), world.roles.everyone())
