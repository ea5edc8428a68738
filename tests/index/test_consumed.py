"""Consumed lots kept in memory (`filon.index._consumed`): exact after a reorg, seen by another process."""

from __future__ import annotations

import filon
from filon._types import Form, Lot, LotId
from filon.index._consumed import ConsumedLots

from .helpers import World, assert_index_matches_chain, declare, head, root, rpc


def test_a_consumed_lot_a_reader_keeps_comes_back_to_life_after_a_reorg(
    world: World, database_url: str
) -> None:
    """One index syncs, another (an explorer over the same database) only reads: the reader kept the ore as
    consumed, and the rewind's new generation makes it read the ore again."""
    roles = world.roles
    (ore,) = declare(world, 1)
    world.client(roles.miner).transfer(ore, roles.refiner.address)
    with world.index(database_url) as syncing, world.index(database_url) as reading:
        syncing.sync()
        fork = head(world.url)
        snapshot = rpc(world.url, "evm_snapshot")
        (bar,) = world.client(roles.refiner).transform(
            [ore], [filon.LotOutput(Form.REFINED, 900, 900)], root("bar")
        )
        syncing.sync()
        assert reading.provenance(bar).lots[ore].consumed
        assert reading.provenance(ore).lots[ore].consumed  # from memory: nothing changed
        world.client(roles.refiner).transfer(bar, roles.trader.address)
        syncing.sync()
        # The live lot itself is read again each time; its kept ancestry and consumed ore are not.
        assert reading.provenance(bar) == world.client().provenance(bar)
        assert reading.provenance(bar).lots[bar].holder == roles.trader.address

        assert rpc(world.url, "evm_revert", snapshot) is True
        world.client(roles.refiner).transfer(ore, roles.trader.address)
        assert syncing.sync().rewound_to == fork

        assert reading.provenance(ore) == world.client().provenance(ore)
        assert reading.provenance(ore).lots[ore].holder == roles.trader.address
        assert not reading.has_lot(bar)
        assert_index_matches_chain(reading, world.client(), roles.everyone())


def _lot(lot_id: int, *, consumed: bool = True) -> Lot:
    return Lot(
        id=LotId(lot_id),
        holder=None if consumed else "0x" + "11" * 20,
        form=Form.ORE,
        fine_gold_mg=1,
        gross_mass_mg=1,
        mine_id=None,
        parents=(),
        consumed=consumed,
        passport_root=b"\x01" * 32,
        passport_version=1,
        passport_uri="",
        external_ref="",
    )


def test_only_consumed_lots_of_the_current_generation_are_kept_up_to_the_limit() -> None:
    kept = ConsumedLots(limit=2)
    assert dict(kept.known("a")) == {}
    kept.keep("a", [_lot(1), _lot(2, consumed=False)])
    kept.keep("b", [_lot(3)])  # read under a generation the cache has left: dropped
    assert dict(kept.known("a")) == {1: _lot(1)}
    kept.keep("a", [_lot(4)])
    assert dict(kept.known("a")) == {1: _lot(1), 4: _lot(4)}
    kept.keep("a", [_lot(5)])  # over the limit: it starts again
    assert dict(kept.known("a")) == {5: _lot(5)}
    assert dict(kept.known("b")) == {}  # another generation: nothing of the old one
    assert len(kept) == 0
