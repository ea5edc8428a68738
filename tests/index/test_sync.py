"""The index follows a real chain: a first sync from the deployment block, incremental syncs, a restart on
the same database, confirmations, and a database that belongs to another deployment."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from web3 import Web3

import filon
from filon._events import EventDecodeError
from filon.index import IndexMismatch, IndexReadOnly, SyncReport, open_index
from filon.index._database import insert_rows, insert_tuples
from filon.index._models import (
    IndexedBlock,
    LotRow,
    MineEventRow,
    ParticipantRow,
    SyncState,
    column_names,
)
from filon.index._sync import _parts

from .helpers import (
    World,
    assert_index_matches_chain,
    assert_rows_exactly_up_to,
    contract_logs,
    declare,
    first_half,
    head,
    rpc,
    second_half,
)


def test_first_sync_reads_everything_from_the_deployment_block(world: World, database_url: str) -> None:
    story = second_half(world, first_half(world))
    with world.index(database_url) as index:
        assert index.last_block == world.deployment.deployment_block - 1

        report = index.sync()

        tip = head(world.url)
        assert report == SyncReport(
            from_block=world.deployment.deployment_block, to_block=tip, events=len(contract_logs(world))
        )
        assert_rows_exactly_up_to(index, world, tip)
        assert_index_matches_chain(index, world.client(), world.roles.everyone())
        assert index.lot(story.bar).passport_version == 3
        assert index.ancestors(story.bar) == sorted(
            [*story.ore[:3], *story.ore[4:6], story.concentrate, story.dore[0]]
        )


def test_incremental_syncs_read_only_the_new_blocks(world: World, database_url: str) -> None:
    with world.index(database_url, blocks_per_step=4) as index:
        ore = first_half(world)
        first = index.sync()
        assert_index_matches_chain(index, world.client(), world.roles.everyone())

        second_half(world, ore)
        second = index.sync()
        third = index.sync()

        tip = head(world.url)
        assert (second.from_block, second.to_block, second.rewound_to) == (first.to_block + 1, tip, None)
        assert second.events == len(contract_logs(world)) - first.events
        assert third == SyncReport(from_block=tip + 1, to_block=tip, events=0)
        assert_rows_exactly_up_to(index, world, tip)
        assert_index_matches_chain(index, world.client(), world.roles.everyone())


def test_a_restart_resumes_where_the_index_stopped(world: World, database_url: str) -> None:
    ore = first_half(world)
    with world.index(database_url, blocks_per_step=3) as index:
        before = index.sync()
    second_half(world, ore)

    with world.index(database_url, blocks_per_step=3) as reopened:
        assert reopened.last_block == before.to_block
        after = reopened.sync()

        assert (after.from_block, after.to_block) == (before.to_block + 1, head(world.url))
        assert before.events + after.events == len(contract_logs(world))
        assert_rows_exactly_up_to(reopened, world, head(world.url))
        assert_index_matches_chain(reopened, world.client(), world.roles.everyone())


def test_confirmations_keep_the_newest_blocks_out(world: World, database_url: str) -> None:
    with world.index(database_url, confirmations=2) as index:
        lots = declare(world, 5)
        tip = head(world.url)

        report = index.sync()

        assert report.to_block == index.last_block == tip - 2
        assert [index.has_lot(lot) for lot in lots] == [True, True, True, False, False]
        assert_rows_exactly_up_to(index, world, tip - 2)

        rpc(world.url, "anvil_mine", 2)
        index.sync()
        assert [index.has_lot(lot) for lot in lots] == [True] * 5
        assert index.last_block == tip


def test_sync_stops_at_to_block(world: World, sqlite_url: str) -> None:
    lots = declare(world, 3)
    with world.index(sqlite_url) as index:
        report = index.sync(to_block=head(world.url) - 1)
        assert report.to_block == head(world.url) - 1
        assert [index.has_lot(lot) for lot in lots] == [True, True, False]


def test_progress_reports_each_step(world: World, sqlite_url: str) -> None:
    declare(world, 4)
    tip = head(world.url)
    start = world.deployment.deployment_block
    seen: list[tuple[int, int]] = []
    with world.index(sqlite_url, blocks_per_step=5) as index:
        index.sync(progress=lambda done, target: seen.append((done, target)))
    expected = [(min(end, tip), tip) for end in range(start + 4, tip + 5, 5)]
    assert seen == expected


def test_a_database_of_another_deployment_is_refused(world: World, database_url: str) -> None:
    with world.index(database_url) as index:
        index.sync()
    other = filon.deploy(world.url, world.roles.registrar)

    with pytest.raises(IndexMismatch) as raised:
        open_index(other, rpc_url=world.url, database_url=database_url)

    shown = (
        make_url(database_url)
        .render_as_string(hide_password=True)
        .replace("postgresql://", "postgresql+psycopg://")
    )
    assert str(raised.value) == (
        f"The database {shown} indexes {world.deployment.address} on chain {world.deployment.chain_id}, "
        f"not {other.address} on chain {other.chain_id}: give each deployment its own database"
    )


def test_an_index_opened_without_rpc_reads_but_does_not_sync(world: World, sqlite_url: str) -> None:
    lots = declare(world, 2)
    with world.index(sqlite_url) as index:
        index.sync()
    with open_index(world.deployment, database_url=sqlite_url) as reader:
        assert reader.lot(lots[1]) == world.client().lot(lots[1])
        with pytest.raises(IndexReadOnly, match="opened without an RPC URL: it can be read but not synced"):
            reader.sync()


def test_open_index_validates_its_settings(world: World, sqlite_url: str) -> None:
    with pytest.raises(filon.InvalidInput, match=r"^confirmations must be 0 or more, not -1$"):
        world.index(sqlite_url, confirmations=-1)
    with pytest.raises(filon.InvalidInput, match=r"^blocks_per_step must be 1 or more, not 0$"):
        world.index(sqlite_url, blocks_per_step=0)
    with pytest.raises(
        filon.InvalidInput, match=r"^The index keeps its data in SQLite or PostgreSQL, not 'mysql'$"
    ):
        world.index("mysql://localhost/filon")


def test_a_step_runs_with_the_cyclic_collector_paused_and_leaves_it_as_it_was(
    world: World, sqlite_url: str
) -> None:
    """A step's thousands of short-lived containers would trigger full collections of the whole process:
    the collector pauses for the step, and is as it was after it (on, or off if the caller had turned it
    off)."""
    declare(world, 2)
    seen: list[tuple[str, bool]] = []
    with world.index(sqlite_url) as index:
        event.listen(
            index.engine,
            "before_cursor_execute",
            lambda *args: seen.append((str(args[2]).split()[0].upper(), gc.isenabled())),
        )
        assert gc.isenabled()
        index.sync()
        assert gc.isenabled()
        inserts = [enabled for verb, enabled in seen if verb == "INSERT"]
        assert inserts and not any(inserts)  # the step's writes
        assert seen[0] == ("SELECT", True)  # the check for a reorg, before any step

        declare(world, 1)
        gc.disable()
        try:
            assert index.sync().events > 0
            assert not gc.isenabled()
        finally:
            gc.enable()


def test_a_step_inserts_many_rows_per_statement_and_loses_none(world: World, database_url: str) -> None:
    """`insert_rows` sends 100 rows a statement (the last statement the rest, the others in one
    executemany); every row arrives as given, a refused row is the IntegrityError a step catches, and a row
    of the wrong length is refused before anything is sent."""
    blocks = [{"number": n, "hash": n.to_bytes(32, "big"), "timestamp": 1_000 + n} for n in range(250)]
    sent: list[tuple[str, bool, int]] = []

    def count(_conn: object, _cursor: object, sql: str, parameters: object, _ctx: object, many: bool) -> None:
        assert isinstance(parameters, list | tuple)
        sent.append((sql.split(" VALUES ")[0], many, sql.count("), (") + 1))  # rows in the statement

    with world.index(database_url) as index, Session(index.engine) as session:
        event.listen(index.engine, "before_cursor_execute", count)
        try:
            insert_rows(session, IndexedBlock, blocks)
        finally:
            event.remove(index.engine, "before_cursor_execute", count)
        stored = session.execute(select(IndexedBlock.number, IndexedBlock.hash, IndexedBlock.timestamp))
        assert [row._asdict() for row in stored.all()] == blocks
        session.rollback()

        # 13 columns: 76 rows a statement (999 parameters at most), hashes None or bytes, as tuples.
        changes = [
            (1, n, bytes([n]) * 32, 1, "permit", None, None, None, 9, None, b"\x07" * 32, None, None)
            for n in range(80)
        ]
        insert_tuples(session, MineEventRow, changes)
        stored = session.execute(
            select(*(getattr(MineEventRow, name) for name in column_names(MineEventRow)))
        )
        assert [tuple(row) for row in stored.all()] == changes
        session.rollback()

        with pytest.raises(IntegrityError):
            insert_rows(session, IndexedBlock, [*blocks[:150], blocks[7]])
        session.rollback()
        with pytest.raises(ValueError, match=r"^Each row inserted into blocks must hold 3 values$"):
            insert_tuples(session, IndexedBlock, [(1, b"\x01" * 32, 5), (2, b"\x02" * 32)])
        assert session.scalar(select(func.count()).select_from(IndexedBlock)) == 0

    statement = "INSERT INTO blocks (number, hash, timestamp)"
    assert sent == [(statement, True, 100), (statement, False, 50)]


def test_a_log_it_cannot_decode_stops_the_sync_with_nothing_of_its_step_stored(
    world: World, sqlite_url: str
) -> None:
    """A log with a Filón event's topic but not its layout: the contract never writes one, so its code is
    replaced by one that does (a Transfer with none of its indexed arguments) after a declaration. The step
    had written its first part (the registrations) already; the error rolls it back."""
    declare(world, 1)
    address = world.deployment.address
    transfer = Web3.keccak(text="Transfer(address,address,uint256)").hex().removeprefix("0x")
    rpc(world.url, "anvil_setCode", address, f"0x7f{transfer}60006000a100")  # LOG1(topic) from 0, size 0
    rpc(world.url, "eth_sendTransaction", {"from": world.roles.outsider.address, "to": address})
    bad = head(world.url)

    start, end = world.deployment.deployment_block, bad
    assert _parts(start, end)[1][0] <= bad - 1  # the declaration and the bad log: in the second part
    sent: list[str] = []

    def record(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        sent.append(sql.split(" (")[0])

    with world.index(sqlite_url) as index, Session(index.engine) as session:
        event.listen(index.engine, "before_cursor_execute", record)
        try:
            with pytest.raises(
                EventDecodeError, match=rf"^A Transfer log in block {bad} \(index 0\) cannot be"
            ):
                index.sync()
        finally:
            event.remove(index.engine, "before_cursor_execute", record)

        assert "INSERT INTO participants" in sent  # the first part's rows, written before the error

        assert index.last_block == world.deployment.deployment_block - 1
        for table in (ParticipantRow, MineEventRow, LotRow):  # the first part's, the second part's
            assert session.scalar(select(func.count()).select_from(table)) == 0


def test_a_step_another_sync_overtook_meanwhile_stores_nothing(world: World, sqlite_url: str) -> None:
    """Two syncs of one SQLite file: the step reads the last block without a lock (SQLite locks at the first
    write), and another sync commits further while the step reads its blocks (done here by hand: the other's
    last block moves on). The step must see it as it commits, store nothing and leave the other's last block:
    written unconditionally, its own would take the index back."""
    with world.index(sqlite_url) as index:
        index.sync()
        for _ in range(4):
            rpc(world.url, "evm_mine")  # blocks without events: the step writes nothing before its end
        tip = head(world.url)
        sync = index._sync
        read = sync._read

        def overtaken(chain: Any, first: int, last: int, also: Any) -> Any:
            found = read(chain, first, last, also)
            if last == tip:  # the second part
                for _ in range(3):
                    rpc(world.url, "evm_mine")
                with index.engine.begin() as other:
                    other.execute(update(SyncState).values(last_block=tip + 3))
            return found

        sync._read = overtaken  # type: ignore[method-assign]
        report = index.sync()

        assert (report.to_block, report.events) == (tip + 3, 0)
        assert index.last_block == tip + 3
        with Session(index.engine) as session:  # not even the step's end block
            assert session.scalar(select(func.max(IndexedBlock.number))) <= tip - 4
