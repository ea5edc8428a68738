"""The facts a lot's birth settles (`filon.index._facts`): the sync derives them from its step's rows in
memory, and a reader computes them from the database for lots without stored facts; both must agree."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

import filon
from filon.index import LotFacts, open_index
from filon.index._database import insert_rows
from filon.index._facts import derive, facts
from filon.index._models import IndexedBlock, LotFactsRow, LotOriginRow, LotRow, column_names

from .helpers import World, first_half, registered_mine_row, second_half


def _stored_and_computed(session: Session, ids: list[int]) -> tuple[dict[int, LotFacts], dict[int, LotFacts]]:
    """The stored facts of lots, and the facts computed from their rows once the stored ones are gone
    (rolled back after)."""
    stored = facts(session, ids)
    session.execute(delete(LotOriginRow))
    session.execute(delete(LotFactsRow))
    computed = facts(session, ids)
    session.rollback()
    return stored, computed


def test_the_sync_derives_what_the_rows_give(world: World, database_url: str) -> None:
    story = second_half(world, first_half(world))
    # Three blocks a step: transformations whose inputs an earlier step stored.
    with world.index(database_url, blocks_per_step=3) as index, Session(index.engine) as session:
        index.sync()
        ids = list(session.scalars(select(LotRow.id).order_by(LotRow.id)))

        stored, computed = _stored_and_computed(session, ids)

    assert stored.keys() == set(ids)
    assert computed == stored
    fine_ore = 40_000 + 40_001 + 40_002 + 30_000 + 30_001
    half = (fine_ore - 5_000) // 2
    assert stored[story.bar] == LotFacts(
        lot_id=story.bar,
        block_number=stored[story.bar].block_number,
        produced_by=story.bar,
        fine_in_mg=half,
        fine_out_mg=half - 100,
        loss=100 / half,
        lowest_loss=100 / half,
        highest_loss=3_000 / (fine_ore - 2_000),
        declared_late=False,
        late_below=False,
        origins=frozenset({1, 2}),
    )
    # The second doré half stands for its transformation through the first, the lowest output id.
    assert stored[story.dore[1]].produced_by == story.dore[0]
    assert stored[story.concentrate].loss == 2_000 / fine_ore
    assert stored[story.ore[0]].origins == frozenset({1})
    assert stored[story.ore[0]].produced_by is None


@pytest.mark.parametrize(("after", "late"), [(0, False), (1, True)], ids=["at the expiry", "a second after"])
def test_a_step_declaring_after_the_permit_expired(
    world: World, sqlite_url: str, after: int, late: bool
) -> None:
    """The contract refuses such a declaration: its rows are written here by hand, as a sync step would
    write them, and the step's facts derived from them in memory, with the block's time from its header."""
    expiry = int(datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC).timestamp())
    at = world.deployment.deployment_block
    miner = world.roles.miner.address
    lot = {
        "id": 1,
        "block_number": at + 1,
        "log_index": 1,
        "transaction_hash": b"\x03" * 32,
        "form": int(filon.Form.ORE),
        "fine_gold_mg": 1_000,
        "gross_mass_mg": 2_000,
        "mine_id": 1,
        "issuer": miner,
        "external_ref": "",
    }
    with open_index(world.deployment, database_url=sqlite_url) as index, Session(index.engine) as session:
        session.add(IndexedBlock(number=at, hash=b"\x01" * 32, timestamp=expiry - 10))
        session.add(registered_mine_row(at, miner, expiry))
        session.flush()
        insert_rows(session, LotRow, [lot])
        session.add(IndexedBlock(number=at + 1, hash=b"\x02" * 32, timestamp=expiry + after))

        row = tuple(lot[name] for name in column_names(LotRow))  # as the sync builds it
        assert derive(session, {LotRow: [row]}, {at + 1: expiry + after}) == 1
        session.commit()

        stored, computed = _stored_and_computed(session, [1])

    assert (stored[1].declared_late, stored[1].late_below, stored[1].origins) == (late, late, frozenset({1}))
    assert computed == stored
