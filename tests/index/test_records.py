"""Who is who in the index: record hashes from the chain, contents from the store (read outside the sync),
names, accent- and case-insensitive search on SQLite and PostgreSQL, the snapshot behind a mine's status."""

from __future__ import annotations

import json
from pathlib import Path

import filon
from filon.index._records import MineLabel

from .helpers import World, block_time, head, root

ORFEBRERIA = filon.ParticipantRecord(
    name="Orfebrería Miraflores S.A.C.", country="PE", national_id="20512345678"
)
ANANEA = filon.MineRecord(name="Ananea", region="Puno", district="Ananea", register_code="R-2")
HUANCA = filon.MineRecord(name="Huanca", region="Ayacucho", register_code="R-1")


def test_names_and_search_from_published_records(world: World, database_url: str, tmp_path: Path) -> None:
    store = filon.DocumentStore(tmp_path / "store")
    registrar = world.client(world.roles.registrar, store=store)
    registrar.publish_participant_record(world.roles.refiner.address, ORFEBRERIA)
    registrar.publish_mine_record(filon.MineId(1), HUANCA)
    registrar.publish_mine_record(filon.MineId(2), ANANEA)
    miner2 = world.client(world.roles.miner2)
    lot = miner2.declare_lot(filon.MineId(2), 1_000, 5_000, root("ananea ore"))
    miner2.transfer(lot, world.roles.refiner.address)
    (bar,) = world.client(world.roles.refiner).transform(
        [lot], [filon.LotOutput(filon.Form.REFINED, 900, 900)], root("bar")
    )

    with world.index(database_url) as index:
        index.sync()
        before = index.participant(world.roles.refiner.address)
        assert (before.record, before.record_state) == (None, filon.RecordState.MISSING)
        assert index.search("orfebreria").participants == []

        assert index.resolve_records(store) == 3
        assert index.resolve_records(store) == 0

        assert index.participant(world.roles.refiner.address.lower()) == filon.Participant(
            world.roles.refiner.address,
            filon.Role.REFINER,
            ORFEBRERIA,
            filon.record_hash(ORFEBRERIA),
            filon.RecordState.VERIFIED,
        )
        assert index.participant(world.roles.plant.address).record_state is filon.RecordState.NONE
        assert index.mine_labels([1, 2, 3]) == {
            1: MineLabel("Huanca", "Ayacucho", "R-1"),
            2: MineLabel("Ananea", "Puno", "R-2"),
        }
        assert index.mine(filon.MineId(2)) == world.client(store=store).mine(filon.MineId(2))
        assert index.mine(filon.MineId(2)).record == ANANEA

        for query in ("ananea", "ANANEA", "  anan"):
            found = index.search(query)
            assert ([m.id for m in found.mines], [lot.id for lot in found.lots]) == ([2], [lot, bar])
        assert [m.id for m in index.search("ayacuchó").mines] == [1]
        by_name = index.search("orfebreria miraflores")
        assert [p.address for p in by_name.participants] == [world.roles.refiner.address]
        assert [(found.id, by_name.found_by[found.id]) for found in by_name.lots] == [(bar, "name")]
        assert index.search("100%").empty and index.search("_").empty


def test_an_altered_record_is_kept_as_not_verified(world: World, database_url: str, tmp_path: Path) -> None:
    store = filon.DocumentStore(tmp_path / "store")
    world.client(world.roles.registrar, store=store).publish_participant_record(
        world.roles.plant.address, ORFEBRERIA
    )
    stored = store.path / filon.cid_for_sha256(filon.record_hash(ORFEBRERIA).hex())
    original = stored.read_bytes()
    stored.write_text(json.dumps({"name": "Someone Else", "country": "PE"}))

    with world.index(database_url) as index:
        index.records_store = store
        index.sync()

        found = index.participant(world.roles.plant.address)
        assert (found.record, found.record_state, found.verified) == (None, filon.RecordState.MISMATCH, False)
        assert index.search("someone").empty
        assert index.resolve_records(store) == 0  # still damaged: nothing new to keep

        stored.write_bytes(original)  # the copy repaired (or a gateway's bad answer gone): read again
        assert index.resolve_records(store) == 1
        repaired = index.participant(world.roles.plant.address)
        assert (repaired.record, repaired.record_state) == (ORFEBRERIA, filon.RecordState.VERIFIED)


def test_a_rewind_forgets_record_hashes_and_snapshots(
    world: World, database_url: str, tmp_path: Path
) -> None:
    store = filon.DocumentStore(tmp_path / "store")
    registrar = world.client(world.roles.registrar, store=store)
    with world.index(database_url) as index:
        index.records_store = store
        index.sync()
        before = head(world.url)
        registrar.publish_participant_record(world.roles.plant.address, ORFEBRERIA)
        tx = registrar.multicall(
            [("recordRegisterSnapshot", (root("register"), block_time(world.url) - 1)), ("suspendMine", (3,))]
        )
        index.sync()

        snapshot = index.status_snapshot(filon.MineId(3))
        assert snapshot is not None
        assert (snapshot.snapshot_hash, snapshot.transaction_hash) == (root("register"), tx)
        assert index.participant(world.roles.plant.address).verified

        index.rewind(before)

        assert index.status_snapshot(filon.MineId(3)) is None
        assert index.participant(world.roles.plant.address).record_state is filon.RecordState.NONE
