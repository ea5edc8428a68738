"""Reorgs on a real Anvil: `evm_snapshot`, blocks of transactions, a sync, `evm_revert`, other transactions
at the same heights (so the same block numbers have other hashes). The index must notice, rewind to the
fork and read the new branch, ending equal to the chain."""

from __future__ import annotations

import threading
from typing import Any

import pytest

import filon

from .helpers import (
    World,
    assert_index_matches_chain,
    assert_rows_exactly_up_to,
    declare,
    head,
    root,
    rpc,
)


def _branch(world: World, blocks: int, *, branch: str) -> list[filon.LotId]:
    """`blocks` blocks, each with a transaction of `branch` "a" (mine 1 declares) or "b" (mine 2 declares,
    other amounts, then carries its first lot to the plant): the two branches differ in every block."""
    if branch == "a":
        return declare(world, blocks)
    lots = declare(world, max(blocks - 1, 0), miner=world.roles.miner2, fine=7_000)
    if blocks:
        if lots:
            world.client(world.roles.miner2).transfer(lots[0], world.roles.plant.address)
        else:
            lots = declare(world, 1, miner=world.roles.miner2, fine=9_000)
    return lots


@pytest.mark.parametrize("depth", [1, 3, 10])
def test_a_reorg_of_k_blocks_rewinds_to_the_fork(world: World, database_url: str, depth: int) -> None:
    declare(world, 2)
    with world.index(database_url, blocks_per_step=4) as index:
        index.sync()
        fork = head(world.url)
        snapshot = rpc(world.url, "evm_snapshot")
        old = _branch(world, depth, branch="a")
        assert index.sync().to_block == fork + depth
        assert all(index.has_lot(lot) for lot in old)

        assert rpc(world.url, "evm_revert", snapshot) is True
        new = _branch(world, depth, branch="b")
        assert head(world.url) == fork + depth
        report = index.sync()

        assert (report.rewound_to, report.from_block, report.to_block) == (fork, fork + 1, fork + depth)
        assert_rows_exactly_up_to(index, world, fork + depth)
        assert_index_matches_chain(index, world.client(), world.roles.everyone())
        assert all(index.has_lot(lot) for lot in new)
        assert not any(index.has_lot(lot) for lot in set(old) - set(new))


@pytest.mark.parametrize("new_blocks", [0, 1])
def test_a_reorg_to_a_shorter_chain(world: World, database_url: str, new_blocks: int) -> None:
    with world.index(database_url) as index:
        index.sync()
        fork = head(world.url)
        snapshot = rpc(world.url, "evm_snapshot")
        old = _branch(world, 4, branch="a")
        index.sync()

        assert rpc(world.url, "evm_revert", snapshot) is True
        new = _branch(world, new_blocks, branch="b")
        report = index.sync()

        assert (report.rewound_to, report.to_block) == (fork, fork + new_blocks)
        assert index.last_block == head(world.url) == fork + new_blocks
        assert not any(index.has_lot(lot) for lot in set(old) - set(new))
        assert_rows_exactly_up_to(index, world, fork + new_blocks)
        assert_index_matches_chain(index, world.client(), world.roles.everyone())


def test_a_reorg_deeper_than_the_confirmations_is_still_caught(world: World, sqlite_url: str) -> None:
    with world.index(sqlite_url, confirmations=2) as index:
        fork = head(world.url)
        snapshot = rpc(world.url, "evm_snapshot")
        _branch(world, 6, branch="a")
        index.sync()
        assert index.last_block == fork + 4

        assert rpc(world.url, "evm_revert", snapshot) is True
        _branch(world, 7, branch="b")
        report = index.sync()

        assert (report.rewound_to, report.to_block) == (fork, fork + 5)
        assert_rows_exactly_up_to(index, world, fork + 5)
    with world.index(sqlite_url) as unconfirmed:
        unconfirmed.sync()
        assert_index_matches_chain(unconfirmed, world.client(), world.roles.everyone())


def test_a_fork_below_many_stored_blocks_is_found_page_by_page(world: World, sqlite_url: str) -> None:
    # One step per block stores every block's hash: the walk back compares 70 of them, in two requests.
    with world.index(sqlite_url, blocks_per_step=1) as index:
        index.sync()
        fork = head(world.url)
        snapshot = rpc(world.url, "evm_snapshot")
        declare(world, 1)
        rpc(world.url, "anvil_mine", 69)
        index.sync()

        assert rpc(world.url, "evm_revert", snapshot) is True
        declare(world, 1, miner=world.roles.miner2)
        rpc(world.url, "anvil_mine", 69)
        report = index.sync()

        assert (report.rewound_to, report.to_block) == (fork, fork + 70)
        assert_index_matches_chain(index, world.client(), world.roles.everyone())


def test_a_reorg_in_the_middle_of_a_sync(world: World, database_url: str) -> None:
    """The chain reorganises between two steps of one sync: blocks already committed by this very sync
    belong to the old branch. The next step must notice (its parent block changed) rather than stack the
    new branch on top of the old one, and the sync goes on from the fork."""
    with world.index(database_url, blocks_per_step=2) as index:
        index.sync()
        fork = head(world.url)
        snapshot = rpc(world.url, "evm_snapshot")
        old = _branch(world, 6, branch="a")
        reorganised: list[int] = []
        new: list[filon.LotId] = []

        def reorganise(done: int, target: int) -> None:
            if not reorganised:
                reorganised.append(done)
                assert rpc(world.url, "evm_revert", snapshot) is True
                new.extend(_branch(world, 6, branch="b"))

        report = index.sync(progress=reorganise)

        assert reorganised == [fork + 2]
        assert (report.rewound_to, report.to_block) == (fork, fork + 6)
        assert not any(index.has_lot(lot) for lot in set(old) - set(new))
        assert_rows_exactly_up_to(index, world, fork + 6)
        assert_index_matches_chain(index, world.client(), world.roles.everyone())


def test_a_reorg_after_a_manual_rewind_to_a_block_without_events(world: World, sqlite_url: str) -> None:
    """`rewind(block)` to a block the index kept no hash of leaves it at the newest block it did keep, so the
    next sync still has a hash to check: a reorg below `block` is caught, not read over."""
    with world.index(sqlite_url) as index:
        index.sync()
        fork = head(world.url)
        snapshot = rpc(world.url, "evm_snapshot")
        _branch(world, 3, branch="a")
        rpc(world.url, "anvil_mine", 5)
        index.sync()
        index.rewind(fork + 6)  # no event after fork + 3

        assert index.last_block == fork + 3
        assert_rows_exactly_up_to(index, world, fork + 3)

        assert rpc(world.url, "evm_revert", snapshot) is True
        _branch(world, 3, branch="b")
        rpc(world.url, "anvil_mine", 5)
        report = index.sync()

        assert (report.rewound_to, report.to_block) == (fork, fork + 8)
        assert_index_matches_chain(index, world.client(), world.roles.everyone())


def test_a_reorg_takes_back_a_serial_number(world: World, sqlite_url: str) -> None:
    roles = world.roles
    (ore,) = declare(world, 1)
    world.client(roles.miner).transfer(ore, roles.refiner.address)
    (bar,) = world.client(roles.refiner).transform(
        [ore], [filon.LotOutput(filon.Form.REFINED, 900, 900)], root("bar")
    )
    with world.index(sqlite_url) as index:
        index.sync()
        fork = head(world.url)
        snapshot = rpc(world.url, "evm_snapshot")
        world.client(roles.refiner).assign_serial(bar, "RAM-OLD-1")
        index.sync()
        assert (index.lot(bar).serial, index.lot(bar).refiner) == ("RAM-OLD-1", roles.refiner.address)
        assert [lot.id for lot in index.search("RAM-OLD-1").lots] == [bar]

        assert rpc(world.url, "evm_revert", snapshot) is True
        world.client(roles.refiner).assign_serial(bar, "RAM-NEW-1")
        report = index.sync()

        assert report.rewound_to == fork
        assert index.lot(bar).serial == "RAM-NEW-1"
        assert index.search("RAM-OLD-1").lots == []
        assert_rows_exactly_up_to(index, world, fork + 1)
        assert_index_matches_chain(index, world.client(), roles.everyone())


def test_a_reorg_between_the_parts_of_one_step(world: World, sqlite_url: str) -> None:
    """A step reads its blocks in two parts at once; the chain reorganises after the first part read its
    logs and headers and before the second reads anything. Nothing of the step is stored; the sync reads
    the new branch instead."""
    with world.index(sqlite_url) as index:
        index.sync()
        fork = head(world.url)
        snapshot = rpc(world.url, "evm_snapshot")
        old = _branch(world, 6, branch="a")
        new: list[filon.LotId] = []
        reorganised = threading.Event()
        sync = index._sync
        read = sync._read

        def first_part_then_reorg(chain: Any, first: int, last: int, also: Any) -> Any:
            if first == fork + 1 and not reorganised.is_set():
                found = read(chain, first, last, also)
                assert rpc(world.url, "evm_revert", snapshot) is True
                new.extend(_branch(world, 6, branch="b"))
                reorganised.set()
                return found
            assert reorganised.wait(60)
            return read(chain, first, last, also)

        sync._read = first_part_then_reorg  # type: ignore[method-assign]
        report = index.sync()

        assert reorganised.is_set()
        assert (report.from_block, report.to_block, report.rewound_to) == (fork + 1, fork + 6, None)
        assert not any(index.has_lot(lot) for lot in set(old) - set(new))
        assert all(index.has_lot(lot) for lot in new)
        assert_rows_exactly_up_to(index, world, fork + 6)
        assert_index_matches_chain(index, world.client(), world.roles.everyone())
