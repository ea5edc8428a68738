"""Reads of the index against the client's own: a deep and wide ancestry in one recursive query, search,
holdings, the issuer of a relayed declaration, and unknown ids."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

import filon
from filon.index._models import LotRow

from .helpers import World, declare, declare_offline, first_half, root, second_half


def _dore(fine: int) -> filon.LotOutput:
    return filon.LotOutput(filon.Form.DORE, fine, fine + 1)


def test_a_deep_and_wide_ancestry_in_one_recursive_query(world: World, database_url: str) -> None:
    miner = world.client(world.roles.miner)
    ore = miner.declare_lots(
        [
            filon.LotDeclaration(filon.MineId(1), 1_000 + i, 5_000, root(f"ore {i}"), external_ref=f"W-{i}")
            for i in range(24)
        ]
    )
    fine = {lot: 1_000 + i for i, lot in enumerate(ore)}
    # Wide: four merges of six ore lots each.
    concentrates = [
        miner.transform(ore[i : i + 6], [_dore(sum(fine[o] for o in ore[i : i + 6]))], root(f"c{i}"))[0]
        for i in range(0, 24, 6)
    ]
    c1, c2, c3, c4 = concentrates
    # A diamond: c1 split in two, both halves merged again with c2 (c1 is reached by two paths).
    x, y = miner.transform([c1], [_dore(2_000), _dore(2_000)], root("split"))
    (d,) = miner.transform([x, y, c2], [_dore(8_000)], root("diamond"))
    (e,) = miner.transform([d, c3, c4], [_dore(20_000)], root("merge"))
    f, g = miner.transform([e], [_dore(9_000), _dore(9_000)], root("split again"))
    # Deep: ten refinements one after the other.
    lot = f
    for step in range(10):
        (lot,) = miner.transform([lot], [_dore(8_000 - step)], root(f"refine {step}"))
    client = world.client()

    with world.index(database_url) as index:
        index.sync()
        provenance = client.provenance(lot)
        ancestors = index.ancestors(lot)

        assert ancestors == sorted(set(provenance.lots) - {lot})
        assert len(ancestors) == 24 + 4 + 2 + 1 + 1 + 1 + 9
        assert g not in ancestors and c1 in ancestors
        assert index.provenance(lot) == provenance
        assert index.lot(d).parents == (x, y, c2)  # in the order of the inputs, as on chain
        assert index.lot(e).parents == (d, c3, c4)
        assert index.history(e)[0] == client.history(e)[0]
        assert index.ancestors(g) == sorted(set(client.provenance(g).lots) - {g})
        assert index.ancestors(ore[0]) == []
        assert index.children(c1) == sorted([x, y])
        assert index.children(lot) == []


def test_search_and_holdings(world: World, database_url: str) -> None:
    story = second_half(world, first_half(world))
    client = world.client()
    with world.index(database_url) as index:
        index.sync()
        bar = client.lot(story.bar)
        assert index.search(str(story.bar)).lots == [bar]
        assert index.search(f"lot {story.bar}").lots == [bar]
        assert index.search("mine 2").mines == [client.mine(filon.MineId(2))]
        assert index.search("ORE-1-3").lots == [client.lot(story.ore[3])]
        by_trader = index.search(world.roles.trader.address.lower())
        assert (by_trader.lots, by_trader.mines) == ([bar], [])
        by_miner2 = index.search(world.roles.miner2.address)
        assert by_miner2.mines == [client.mine(filon.MineId(2))]
        assert index.search("nothing here").empty
        assert index.search("   ").empty
        assert index.lots_by_external_ref("ORE-2-1") == [client.lot(story.ore[5])]
        assert index.mine_of_operator(world.roles.miner3.address) == client.mine(filon.MineId(3))
        assert index.mine_of_operator(world.roles.trader.address) is None
        newest_first = [story.ore[6], *reversed(story.ore[:4])]  # the offline declaration came last
        assert [lot.id for lot in index.lots_of_mine(filon.MineId(1))] == newest_first
        assert index.lots_of(world.roles.plant.address) == sorted([story.dore[1], story.ore[6]])
        assert [t.event for t in index.timeline(story.bar)] == client.history(story.bar)
        assert index.lots_of(world.roles.miner.address) == [story.ore[3]]


def test_a_declaration_relayed_by_the_plant_is_issued_by_the_miner(world: World, database_url: str) -> None:
    miner, plant = world.roles.miner.address, world.roles.plant.address
    relayed = declare_offline(world, "RELAYED-1", 5_000)  # minted to the plant
    (direct,) = declare(world, 1)
    client = world.client()

    with world.index(database_url) as index:
        index.sync()

        with Session(index.engine) as session:
            assert [session.get_one(LotRow, lot).issuer for lot in (relayed, direct)] == [miner, miner]
        declared = index.history(relayed)[0]
        assert isinstance(declared, filon.Declared)
        assert (declared.holder, declared.issuer) == (plant, miner)
        assert index.history(relayed) == client.history(relayed)
        declared = index.history(direct)[0]
        assert isinstance(declared, filon.Declared)
        assert (declared.holder, declared.issuer) == (miner, miner)
        assert index.history(direct) == client.history(direct)


def test_unknown_ids(world: World, sqlite_url: str) -> None:
    declare(world, 1)
    with world.index(sqlite_url) as index:
        index.sync()
        for read in (index.lot, index.history, index.provenance):
            with pytest.raises(filon.UnknownLot):
                read(filon.LotId(999_999))
        with pytest.raises(filon.UnknownLot):
            index.lot(filon.LotId(2**64))
        with pytest.raises(filon.UnknownMine):
            index.mine(filon.MineId(99))
        with pytest.raises(filon.InvalidInput, match="A lot id is a whole number, not '1'"):
            index.lot("1")  # type: ignore[arg-type]
        assert not index.has_lot(999_999) and not index.has_lot(-1)
