"""Serial numbers through the library: a refining transformation that stamps its bars (one multicall), a
serial given later, the lot record and `lot_by_serial`, and each refusal as its own error."""

from __future__ import annotations

import pytest
from web3 import HTTPProvider, Web3

import filon

from .helpers import Roles, World, nonce, root

REFINED, DORE = filon.Form.REFINED, filon.Form.DORE


def _ore_at_refiner(miner: filon.Client, roles: Roles, world: World, fine: int = 1_000) -> filon.LotId:
    ore = miner.declare_lot(world.mine, fine_gold_mg=fine, gross_mass_mg=2 * fine, passport_root=root("ore"))
    miner.transfer(ore, roles.refiner.address)
    return ore


def test_a_refining_transformation_stamps_its_bars_in_one_transaction(
    world: World, miner: filon.Client, refiner: filon.Client, reader: filon.Client, roles: Roles
) -> None:
    ore = _ore_at_refiner(miner, roles, world)
    sent = nonce(world.url, roles.refiner)

    bars = refiner.transform(
        [ore],
        [
            filon.LotOutput(REFINED, 600, 600, serial="RAM-2026-000123"),
            filon.LotOutput(DORE, 100, 200),
            filon.LotOutput(REFINED, 250, 250, serial="RAM-2026-000124"),
        ],
        passport_root=root("bars"),
    )

    assert nonce(world.url, roles.refiner) == sent + 1
    first, dore, second = (reader.lot(bar) for bar in bars)
    assert (first.serial, first.refiner) == ("RAM-2026-000123", roles.refiner.address)
    assert (dore.serial, dore.refiner) == (None, None)
    assert (second.serial, second.refiner) == ("RAM-2026-000124", roles.refiner.address)
    assert reader.lot_by_serial(roles.refiner.address, "RAM-2026-000123") == bars[0]
    assert reader.lot_by_serial(roles.refiner.address, "RAM-2026-000124") == bars[2]
    assert reader.lot_by_serial(roles.refiner.address, "RAM-2026-000125") is None
    assert reader.lot_by_serial(roles.miner.address, "RAM-2026-000123") is None
    # the serial is part of the provenance's lots too (one eth_getLogs per generation, serials included)
    assert reader.provenance(bars[0]).lots[bars[0]].serial == "RAM-2026-000123"


def test_a_transformation_without_serials_is_the_plain_transform(
    world: World, miner: filon.Client, refiner: filon.Client, roles: Roles
) -> None:
    ore = _ore_at_refiner(miner, roles, world)

    (bar,) = refiner.transform([ore], [filon.LotOutput(REFINED, 900, 900)], passport_root=root("bar"))

    receipt = Web3(HTTPProvider(world.url)).eth.get_transaction_receipt(
        refiner.history(bar)[0].transaction_hash
    )
    transaction = Web3(HTTPProvider(world.url)).eth.get_transaction(receipt["transactionHash"])
    assert bytes(transaction["input"])[:4] == bytes(
        Web3.keccak(text="transform(uint256[],(uint8,uint256,uint256)[],bytes32,string)")[:4]
    )


@pytest.mark.parametrize(
    ("outputs", "message"),
    [
        (
            [filon.LotOutput(DORE, 900, 1_000, serial="RAM-1")],
            "Output 0 is dore: only a refined output takes a serial number",
        ),
        (
            [
                filon.LotOutput(REFINED, 400, 400, serial="RAM-1"),
                filon.LotOutput(REFINED, 400, 400, serial="RAM-1"),
            ],
            "Outputs 0 and 1 share the serial number 'RAM-1'",
        ),
        (
            [filon.LotOutput(REFINED, 400, 400, serial="")],
            "A serial number is 1 to 64 bytes long: '' of output 0 is 0",
        ),
        (
            [filon.LotOutput(REFINED, 400, 400, serial="Ñ" * 33)],
            f"A serial number is 1 to 64 bytes long: {'Ñ' * 33!r} of output 0 is 66",
        ),
        (
            [filon.LotOutput(REFINED, 400, 400, serial="RAM-1 ")],
            "Output 0's serial number 'RAM-1 ' has a space at an end, or a control or invisible character",
        ),
        (
            [filon.LotOutput(REFINED, 400, 400, serial="RAM\u200b1")],
            "Output 0's serial number 'RAM\\u200b1' has a space at an end, or a control or invisible "
            "character",
        ),
        (
            [filon.LotOutput(REFINED, 400, 400, serial="PIN\u0303A-1")],
            "Output 0's serial number 'PIN\u0303A-1' is not in Unicode's composed form (NFC)",
        ),
    ],
    ids=["not-refined", "shared", "empty", "too-long", "trailing-space", "zero-width", "decomposed"],
)
def test_serials_no_output_can_take_are_refused_before_sending(
    world: World,
    miner: filon.Client,
    refiner: filon.Client,
    roles: Roles,
    outputs: list[filon.LotOutput],
    message: str,
) -> None:
    ore = _ore_at_refiner(miner, roles, world)
    sent = nonce(world.url, roles.refiner)

    with pytest.raises(filon.InvalidInput) as refused:
        refiner.transform([ore], outputs, passport_root=root("bars"))

    assert str(refused.value) == message
    assert nonce(world.url, roles.refiner) == sent


def test_assigning_a_serial_not_written_as_stamped_is_refused_before_sending(
    world: World, miner: filon.Client, refiner: filon.Client, roles: Roles
) -> None:
    ore = _ore_at_refiner(miner, roles, world)
    (bar,) = refiner.transform([ore], [filon.LotOutput(REFINED, 900, 900)], root("plain bar"))
    sent = nonce(world.url, roles.refiner)

    with pytest.raises(filon.InvalidInput) as refused:
        refiner.assign_serial(bar, " RAM-9")

    assert str(refused.value) == (
        "The serial number ' RAM-9' has a space at an end, or a control or invisible character"
    )
    assert nonce(world.url, roles.refiner) == sent


def test_a_serial_used_before_is_refused_and_nothing_is_consumed(
    world: World, miner: filon.Client, refiner: filon.Client, roles: Roles
) -> None:
    first = _ore_at_refiner(miner, roles, world)
    (bar,) = refiner.transform([first], [filon.LotOutput(REFINED, 900, 900, serial="RAM-7")], root("a"))
    ore = _ore_at_refiner(miner, roles, world)
    sent = nonce(world.url, roles.refiner)

    with pytest.raises(filon.DuplicateSerial) as duplicate:
        refiner.transform([ore], [filon.LotOutput(REFINED, 900, 900, serial="RAM-7")], root("b"))

    assert duplicate.value.arguments == {"refiner": roles.refiner.address, "serial": "RAM-7", "lot_id": bar}
    assert str(duplicate.value) == f"{roles.refiner.address} already gave serial number 'RAM-7' to lot {bar}."
    assert nonce(world.url, roles.refiner) == sent
    assert refiner.lot(ore).consumed is False


def test_only_a_refiner_stamps_bars(
    world: World, miner: filon.Client, plant: filon.Client, roles: Roles
) -> None:
    ore = miner.declare_lot(world.mine, fine_gold_mg=1_000, gross_mass_mg=2_000, passport_root=root("ore"))
    miner.transfer(ore, roles.plant.address)

    with pytest.raises(filon.NotRefiner) as refused:
        plant.transform([ore], [filon.LotOutput(REFINED, 900, 900, serial="RAM-1")], root("bar"))

    assert refused.value.arguments == {"account": roles.plant.address}
    assert plant.lot(ore).consumed is False


def test_assign_a_serial_later(
    world: World, miner: filon.Client, refiner: filon.Client, reader: filon.Client, roles: Roles
) -> None:
    ore = _ore_at_refiner(miner, roles, world)
    bar, dore = refiner.transform(
        [ore], [filon.LotOutput(REFINED, 600, 600), filon.LotOutput(DORE, 300, 400)], root("bars")
    )

    refiner.assign_serial(bar, "RAM-2026-000200")

    assert (reader.lot(bar).serial, reader.lot_by_serial(roles.refiner.address, "RAM-2026-000200")) == (
        "RAM-2026-000200",
        bar,
    )
    with pytest.raises(filon.SerialAlreadyAssigned) as again:
        refiner.assign_serial(bar, "RAM-2026-000201")
    assert again.value.arguments == {"lot_id": bar, "serial": "RAM-2026-000200"}
    with pytest.raises(filon.NotRefinedLot) as not_refined:
        refiner.assign_serial(dore, "RAM-2026-000201")
    assert not_refined.value.arguments == {"lot_id": dore, "form": filon.Form.DORE}
    assert str(not_refined.value) == f"Lot {dore} is dore, not refined: only refined lots get serial numbers."
    with pytest.raises(filon.InvalidSerialLength) as empty:
        refiner.assign_serial(bar, "")
    assert empty.value.arguments == {"length": 0}


def test_a_consumed_bar_keeps_its_serial(
    world: World, miner: filon.Client, refiner: filon.Client, reader: filon.Client, roles: Roles
) -> None:
    ore = _ore_at_refiner(miner, roles, world)
    (bar,) = refiner.transform([ore], [filon.LotOutput(REFINED, 900, 900, serial="RAM-9")], root("bar"))

    (ring,) = refiner.transform([bar], [filon.LotOutput(filon.Form.PRODUCT, 900, 1_200)], root("ring"))

    consumed = reader.lot(bar)
    assert (consumed.consumed, consumed.serial, consumed.refiner) == (True, "RAM-9", roles.refiner.address)
    assert reader.lot_by_serial(roles.refiner.address, "RAM-9") == bar
    assert reader.lot(ring).serial is None


def test_a_mismatch_names_both_lists() -> None:
    error = filon.SerialMismatch([filon.LotId(105)], [filon.LotId(106)])
    assert (error.predicted, error.minted) == ((105,), (106,))
    assert str(error).startswith("The transformation minted lots [106], not [105] as predicted")
