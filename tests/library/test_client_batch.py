"""declare_lots: many declarations sent at once, their receipts awaited together."""

from __future__ import annotations

import pytest
from web3 import HTTPProvider, Web3

import filon

from .helpers import CAPACITY_MG, Roles, World, nonce, root


def _declarations(world: World, count: int, fine_gold_mg: int = 100) -> list[filon.LotDeclaration]:
    return [
        filon.LotDeclaration(
            mine_id=world.mine,
            fine_gold_mg=fine_gold_mg + i,
            gross_mass_mg=2 * fine_gold_mg + i,
            passport_root=root(f"batch-{i}"),
            passport_uri=f"ipfs://batch-{i}",
            external_ref=f"B-{i:03}",
        )
        for i in range(count)
    ]


def test_a_batch_is_all_confirmed_with_ids_in_order(world: World, miner: filon.Client, roles: Roles) -> None:
    sent_before = nonce(world.url, roles.miner)  # the session node is shared: count from here
    declarations = _declarations(world, 120)

    ids = miner.declare_lots(declarations)

    assert ids == list(range(1, 121))
    assert miner.lot_count() == 120
    assert miner.mine(world.mine).declared_this_year_mg == sum(100 + i for i in range(120))
    for lot_id, declaration in [
        (ids[0], declarations[0]),
        (ids[77], declarations[77]),
        (ids[-1], declarations[-1]),
    ]:
        lot = miner.lot(lot_id)
        assert (
            lot.fine_gold_mg,
            lot.gross_mass_mg,
            lot.passport_root,
            lot.passport_uri,
            lot.external_ref,
        ) == (
            declaration.fine_gold_mg,
            declaration.gross_mass_mg,
            declaration.passport_root,
            declaration.passport_uri,
            declaration.external_ref,
        )
    assert miner.lots_of(roles.miner.address) == ids
    assert nonce(world.url, roles.miner) - sent_before == 120


def test_a_batch_crossing_its_id_block_takes_the_next_free_block(
    world: World, miner: filon.Client, miner2: filon.Client, roles: Roles
) -> None:
    first = miner.declare_lot(world.mine, fine_gold_mg=1, gross_mass_mg=1, passport_root=root("first"))
    other = miner2.declare_lot(world.mine2, fine_gold_mg=1, gross_mass_mg=1, passport_root=root("other"))

    ids = miner.declare_lots(_declarations(world, 100))

    # miner holds 1-100 and miner2 101-200, so miner's 101st lot opens the block 201-300.
    assert (first, other) == (1, 101)
    assert ids == [*range(2, 101), 201]
    assert miner.lot(ids[-1]).external_ref == "B-099"
    assert miner.lots_of(roles.miner.address) == [first, *ids]
    assert miner.lot_count() == 102


def test_an_empty_batch_sends_nothing(world: World, miner: filon.Client, roles: Roles) -> None:
    sent_before = nonce(world.url, roles.miner)  # the session node is shared: count from here
    assert miner.declare_lots([]) == []
    assert nonce(world.url, roles.miner) - sent_before == 0


def test_a_batch_repeating_an_external_ref_is_refused_before_sending(
    world: World, miner: filon.Client, roles: Roles
) -> None:
    sent_before = nonce(world.url, roles.miner)  # the session node is shared: count from here
    declarations = _declarations(world, 3)
    declarations[2] = declarations[0]

    with pytest.raises(
        filon.InvalidInput, match="Declarations 0 and 2 of the batch share the external reference 'B-000'"
    ):
        miner.declare_lots(declarations)

    assert nonce(world.url, roles.miner) - sent_before == 0


def test_a_declaration_rejected_at_estimation_stops_the_whole_batch(
    world: World, miner: filon.Client, roles: Roles
) -> None:
    sent_before = nonce(world.url, roles.miner)  # the session node is shared: count from here
    existing = miner.declare_lot(
        world.mine, fine_gold_mg=1, gross_mass_mg=1, passport_root=root("x"), external_ref="B-001"
    )

    with pytest.raises(filon.DuplicateExternalRef) as info:
        miner.declare_lots(_declarations(world, 4))

    assert (info.value.lot_id, info.value.external_ref, info.value.batch_index) == (existing, "B-001", 1)
    assert info.value.confirmed_lot_ids == ()
    assert info.value.transaction_hash is None
    assert nonce(world.url, roles.miner) - sent_before == 1
    assert miner.lot_count() == 1


def test_a_batch_over_capacity_fails_on_chain_and_reports_what_was_confirmed(
    world: World, registrar: filon.Client, miner: filon.Client, roles: Roles
) -> None:
    sent_before = nonce(world.url, roles.miner)  # the session node is shared: count from here
    registrar.set_mine_capacity(world.mine, 1_000)
    declarations = _declarations(world, 6, fine_gold_mg=300)[:4]  # 300 + 301 + 302 fit, 303 does not

    with pytest.raises(filon.CapacityExceeded) as info:
        miner.declare_lots(declarations)

    error = info.value
    assert (error.mine_id, error.requested_mg, error.remaining_mg) == (world.mine, 303, 1_000 - 903)
    assert error.batch_index == 3
    assert error.confirmed_lot_ids == (1, 2, 3)
    assert "declaration 3 of the batch failed; confirmed lots: 1, 2, 3" in str(error)
    assert error.transaction_hash is not None
    receipt = Web3(HTTPProvider(world.url)).eth.get_transaction_receipt(error.transaction_hash)  # type: ignore[arg-type]
    assert receipt["status"] == 0
    assert miner.lot_count() == 3
    assert nonce(world.url, roles.miner) - sent_before == 4


def test_the_client_keeps_its_nonces_after_a_batch(world: World, miner: filon.Client) -> None:
    first = miner.declare_lots(_declarations(world, 5))
    single = miner.declare_lot(world.mine, fine_gold_mg=1, gross_mass_mg=1, passport_root=root("s"))
    second = miner.declare_lots(_declarations(world, 10, fine_gold_mg=CAPACITY_MG // 1_000)[5:])

    assert (first, single, second) == ([1, 2, 3, 4, 5], 6, [7, 8, 9, 10, 11])
