"""FilonLots: the serial numbers refiners give their bars (assignSerialNumber, serialOf, lotBySerial,
tokenURI)."""

import base64
import json

import pytest
from eth_utils import keccak

ORE, CONCENTRATE, DORE, REFINED, PRODUCT = range(5)  # IFilonLots.Form
REFINER = 3  # IFilonRegistry.Role
BAR_ROOT = keccak(text="bar passport")
SERIAL = "RAM-2026-000123"


@pytest.fixture
def bars(lots, declare, miner, refiner):
    """Two refined bars (60 g and 30 g) and a doré lot (9 g), all held by the refiner."""
    ore = declare(100_000, 120_000)
    lots.transferFrom(miner, refiner, ore, sender=miner)
    receipt = lots.transform(
        [ore],
        [(REFINED, 60_000, 60_000), (REFINED, 30_000, 30_000), (DORE, 9_000, 10_000)],
        BAR_ROOT,
        "ipfs://bars",
        sender=refiner,
    )
    return [int(log.lotId) for log in receipt.events.filter(lots.LotProduced)]


def test_a_refiner_gives_its_bar_a_serial(lots, refiner, bars, emitted):
    bar = bars[0]

    receipt = lots.assignSerialNumber(bar, SERIAL, sender=refiner)

    assert emitted(receipt) == [
        ("SerialAssigned", {"lotId": bar, "refiner": refiner.address, "serial": SERIAL})
    ]
    assert lots.serialOf(bar) == SERIAL
    assert lots.lotBySerial(refiner, SERIAL) == bar
    assert lots.serialOf(bars[1]) == ""
    assert lots.lotBySerial(refiner, "RAM-2026-000124") == 0


def test_only_the_holder_gives_a_serial(lots, refiner, plant, bars, reverts):
    with reverts(lots.NotHolder, lotId=bars[0], account=plant.address, holder=refiner.address):
        lots.assignSerialNumber(bars[0], SERIAL, sender=plant)


def test_an_approved_operator_gives_no_serial(lots, refiner, plant, bars, reverts):
    # A serial is the refiner's own mark: an ERC-721 approval lets the plant move the bar, not stamp it.
    lots.approve(plant, bars[0], sender=refiner)
    with reverts(lots.NotHolder, lotId=bars[0], account=plant.address, holder=refiner.address):
        lots.assignSerialNumber(bars[0], SERIAL, sender=plant)


def test_only_a_refiner_gives_a_serial(lots, refiner, manufacturer, bars, reverts):
    lots.transferFrom(refiner, manufacturer, bars[0], sender=refiner)
    with reverts(lots.NotRefiner, account=manufacturer.address):
        lots.assignSerialNumber(bars[0], SERIAL, sender=manufacturer)


def test_a_refiner_whose_admission_was_withdrawn_gives_no_serial(lots, registrar, refiner, bars, reverts):
    lots.removeParticipant(refiner, sender=registrar)
    with reverts(lots.NotRefiner, account=refiner.address):
        lots.assignSerialNumber(bars[0], SERIAL, sender=refiner)


def test_only_a_refined_lot_gets_a_serial(lots, refiner, bars, reverts):
    with reverts(lots.NotRefinedLot, lotId=bars[2], form=DORE):
        lots.assignSerialNumber(bars[2], SERIAL, sender=refiner)


def test_unknown_and_consumed_lots_get_no_serial(lots, refiner, bars, reverts):
    with reverts(lots.UnknownLot, lotId=bars[2] + 1):
        lots.assignSerialNumber(bars[2] + 1, SERIAL, sender=refiner)
    lots.transform([bars[1]], [(PRODUCT, 30_000, 40_000)], BAR_ROOT, "", sender=refiner)
    with reverts(lots.LotConsumed, lotId=bars[1]):
        lots.assignSerialNumber(bars[1], SERIAL, sender=refiner)


@pytest.mark.parametrize("length", [0, 65])
def test_a_serial_is_1_to_64_bytes(lots, refiner, bars, reverts, length):
    with reverts(lots.InvalidSerialLength, length=length):
        lots.assignSerialNumber(bars[0], "7" * length, sender=refiner)


def test_a_serial_of_64_bytes_of_utf8_is_taken_whole(lots, refiner, bars, reverts):
    longest = "Ñ" * 32  # 32 characters, 64 bytes
    lots.assignSerialNumber(bars[0], longest, sender=refiner)
    assert lots.serialOf(bars[0]) == longest
    with reverts(lots.InvalidSerialLength, length=65):
        lots.assignSerialNumber(bars[1], longest + "1", sender=refiner)


def test_a_serial_is_given_once(lots, refiner, bars, reverts):
    lots.assignSerialNumber(bars[0], SERIAL, sender=refiner)
    with reverts(lots.SerialAlreadyAssigned, lotId=bars[0], serial=SERIAL):
        lots.assignSerialNumber(bars[0], "RAM-2026-000999", sender=refiner)


def test_a_refiner_never_gives_one_serial_twice(lots, refiner, bars, reverts):
    lots.assignSerialNumber(bars[0], SERIAL, sender=refiner)
    with reverts(lots.DuplicateSerial, refiner=refiner.address, serial=SERIAL, lotId=bars[0]):
        lots.assignSerialNumber(bars[1], SERIAL, sender=refiner)
    assert lots.serialOf(bars[1]) == ""


def test_two_refiners_may_use_the_same_serial(lots, registrar, refiner, outsider, bars):
    # A serial is unique per refiner, as a bar is named by its refiner's brand and its number.
    lots.registerParticipant(outsider, REFINER, sender=registrar)
    lots.transferFrom(refiner, outsider, bars[1], sender=refiner)
    lots.assignSerialNumber(bars[0], SERIAL, sender=refiner)
    lots.assignSerialNumber(bars[1], SERIAL, sender=outsider)
    assert (lots.lotBySerial(refiner, SERIAL), lots.lotBySerial(outsider, SERIAL)) == (bars[0], bars[1])


def test_a_consumed_bar_keeps_its_serial(lots, refiner, bars, reverts):
    lots.assignSerialNumber(bars[0], SERIAL, sender=refiner)

    lots.transform([bars[0]], [(PRODUCT, 60_000, 75_000)], BAR_ROOT, "", sender=refiner)

    assert lots.lot(bars[0]).consumed
    assert lots.serialOf(bars[0]) == SERIAL
    assert lots.lotBySerial(refiner, SERIAL) == bars[0]
    with reverts(lots.DuplicateSerial, refiner=refiner.address, serial=SERIAL, lotId=bars[0]):
        lots.assignSerialNumber(bars[1], SERIAL, sender=refiner)


# ---------------------------------------------------------------- with the transformation, in one multicall


@pytest.mark.anvil
def test_a_refining_transformation_and_its_serials_in_one_multicall(lots, declare, miner, refiner, emitted):
    ore = declare(50_000, 60_000)
    lots.transferFrom(miner, refiner, ore, sender=miner)
    outputs = [(REFINED, 20_000, 20_000), (REFINED, 10_000, 10_000)]
    transform = lots.transform.encode_input([ore], outputs, BAR_ROOT, "ipfs://bars")
    predicted = list(lots.transform.call([ore], outputs, BAR_ROOT, "ipfs://bars", sender=refiner))
    calls = [
        transform,
        lots.assignSerialNumber.encode_input(predicted[0], "RAM-1"),
        lots.assignSerialNumber.encode_input(predicted[1], "RAM-2"),
    ]

    receipt = lots.multicall(calls, sender=refiner)

    assert [int(log.lotId) for log in receipt.events.filter(lots.LotProduced)] == predicted
    assert [event for event in emitted(receipt) if event[0] == "SerialAssigned"] == [
        ("SerialAssigned", {"lotId": predicted[0], "refiner": refiner.address, "serial": "RAM-1"}),
        ("SerialAssigned", {"lotId": predicted[1], "refiner": refiner.address, "serial": "RAM-2"}),
    ]
    assert [lots.serialOf(bar) for bar in predicted] == ["RAM-1", "RAM-2"]


def test_a_wrongly_predicted_output_undoes_the_whole_transformation(lots, declare, miner, refiner, reverts):
    # The ids were predicted before another transformation took them: the serial's lot is not yet minted.
    ore = declare(50_000, 60_000)
    lots.transferFrom(miner, refiner, ore, sender=miner)
    outputs = [(REFINED, 20_000, 20_000)]
    (predicted,) = lots.transform.call([ore], outputs, BAR_ROOT, "", sender=refiner)
    wrong = predicted + 1
    calls = [
        lots.transform.encode_input([ore], outputs, BAR_ROOT, ""),
        lots.assignSerialNumber.encode_input(wrong, "RAM-1"),
    ]

    with reverts(lots.UnknownLot, lotId=wrong):
        lots.multicall(calls, sender=refiner)

    assert lots.ownerOf(ore) == refiner.address
    assert not lots.lot(ore).consumed
    assert lots.lotBySerial(refiner, "RAM-1") == 0


def test_a_prediction_taken_by_another_transformation_of_dore_undoes_it(
    lots, declare, miner, refiner, reverts
):
    # Another transformation of the same refiner was mined first and took the predicted id for doré: the
    # assignment to that lot is refused, and the transformation with it.
    ore, other = declare(50_000, 60_000, ref="A"), declare(40_000, 50_000, ref="B")
    for lot in (ore, other):
        lots.transferFrom(miner, refiner, lot, sender=miner)
    outputs = [(REFINED, 20_000, 20_000)]
    (predicted,) = lots.transform.call([ore], outputs, BAR_ROOT, "", sender=refiner)
    lots.transform([other], [(DORE, 30_000, 40_000)], BAR_ROOT, "", sender=refiner)
    calls = [
        lots.transform.encode_input([ore], outputs, BAR_ROOT, ""),
        lots.assignSerialNumber.encode_input(predicted, "RAM-1"),
    ]

    with reverts(lots.NotRefinedLot, lotId=predicted, form=DORE):
        lots.multicall(calls, sender=refiner)

    assert not lots.lot(ore).consumed


# ---------------------------------------------------------------- tokenURI


def metadata(lots, lot_id):
    prefix = "data:application/json;base64,"
    uri = lots.tokenURI(lot_id)
    assert uri.startswith(prefix)
    return json.loads(base64.b64decode(uri[len(prefix) :]).decode())


def test_token_uri_carries_the_serial(lots, refiner, bars):
    before = metadata(lots, bars[0])
    assert "serial" not in before

    lots.assignSerialNumber(bars[0], SERIAL, sender=refiner)

    after = metadata(lots, bars[0])
    assert after == {
        "name": f"Filón lot #{bars[0]}",
        "serial": SERIAL,
        "description": before["description"],
        "attributes": [*before["attributes"], {"trait_type": "Serial", "value": SERIAL}],
    }


def test_token_uri_escapes_a_serial_that_is_not_plain(lots, refiner, bars):
    # A serial is the one string in the metadata a user chose: quotes, backslashes and controls stay data.
    serial = 'RAM "A"\\2026\n/<b>Ñ'
    lots.assignSerialNumber(bars[0], serial, sender=refiner)

    found = metadata(lots, bars[0])

    assert found["serial"] == serial
    assert found["attributes"][-1] == {"trait_type": "Serial", "value": serial}
    assert [a["trait_type"] for a in found["attributes"]] == [
        "Form",
        "Fine gold (mg)",
        "Origin",
        "Passport root",
        "Passport version",
        "Serial",
    ]
