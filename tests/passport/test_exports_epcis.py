"""EPCIS 2.0 JSON-LD export of lot histories: two ore lots merged into a doré, split into two bars; every
document passes GS1's EPCIS 2.0 JSON Schema."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from filon._errors import InvalidInput
from filon._types import (
    Consumed,
    Declared,
    Form,
    HistoryEvent,
    Lot,
    LotId,
    Mine,
    MineId,
    MineStatus,
    PassportRecorded,
    Produced,
    Transferred,
)
from filon.passport._epcis import epcis_document
from standards import epcis_errors

CHAIN_ID = 31337
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
MINER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
PLANT = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
REFINER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
ROOT = b"\x01" * 32
LOT = f"urn:filon:eip155:31337:{CONTRACT}:lot:"
TX = f"urn:filon:eip155:31337:{CONTRACT}:tx:"
T0 = datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)
BLOCK_TIMES = {block: T0 + datetime.timedelta(minutes=block) for block in range(10, 17)}
CREATED = datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)


def tx(tag: str) -> str:
    return "0x" + tag * 32


def did(address: str) -> str:
    return f"did:pkh:eip155:31337:{address}"


def at(block: int) -> dict[str, str]:
    return {"eventTime": f"2026-03-01T08:{block:02d}:00Z", "eventTimeZoneOffset": "+00:00"}


def lot(lot_id: int, fine_gold_mg: int, mine_id: int | None, parents: tuple[int, ...] = ()) -> Lot:
    return Lot(
        id=LotId(lot_id),
        holder=None,
        form=Form.ORE if mine_id else Form.DORE,
        fine_gold_mg=fine_gold_mg,
        gross_mass_mg=fine_gold_mg * 2,
        mine_id=MineId(mine_id) if mine_id else None,
        parents=tuple(LotId(p) for p in parents),
        consumed=True,
        passport_root=ROOT,
        passport_version=1,
        passport_uri="",
        external_ref="",
    )


LOTS = {1: lot(1, 10_000, 1), 2: lot(2, 30_000, 2), 3: lot(3, 39_000, None, (1, 2))}


def mine(mine_id: int, country: str) -> Mine:
    return Mine(
        id=MineId(mine_id),
        operator=MINER,
        status=MineStatus.ACTIVE,
        country=country,
        permit_expiry=0,
        capacity_mg=0,
        declared_this_year_mg=0,
        year=2026,
        permit_hash=b"",
        location_hash=b"",
        passport_hash=b"",
    )


MINES = {MineId(1): mine(1, "PE"), MineId(2): mine(2, "BO")}

DECLARE_1 = Declared(LotId(1), 10, tx("a1"), 0, MINER, MineId(1), 10_000, 20_000, ROOT, "", "ORE-1")
DECLARE_2 = Declared(LotId(2), 11, tx("a2"), 0, MINER, MineId(2), 30_000, 60_000, ROOT, "", "ORE-2")
SHIP_1 = Transferred(LotId(1), 12, tx("b1"), 1, MINER, PLANT)
SHIP_2 = Transferred(LotId(2), 12, tx("b2"), 3, MINER, PLANT)
# the merge: one transaction burns 1 and 2 and mints the doré 3
CONSUME_1 = Consumed(LotId(1), 13, tx("c1"), 0, PLANT, (LotId(3),))
CONSUME_2 = Consumed(LotId(2), 13, tx("c1"), 1, PLANT, (LotId(3),))
PRODUCE_3 = Produced(
    LotId(3), 13, tx("c1"), 3, PLANT, Form.DORE, 39_000, 40_000, (LotId(1), LotId(2)), ROOT, ""
)
PASSPORT_3 = PassportRecorded(LotId(3), 14, tx("d1"), 0, 2, ROOT, "ipfs://x")
# the split: one transaction burns 3 and mints the bars 4 and 5
CONSUME_3 = Consumed(LotId(3), 15, tx("e1"), 0, PLANT, (LotId(4), LotId(5)))
PRODUCE_4 = Produced(LotId(4), 15, tx("e1"), 2, PLANT, Form.REFINED, 26_000, 26_100, (LotId(3),), ROOT, "")
PRODUCE_5 = Produced(LotId(5), 15, tx("e1"), 4, PLANT, Form.REFINED, 13_000, 13_050, (LotId(3),), ROOT, "")
SHIP_4 = Transferred(LotId(4), 16, tx("f1"), 0, PLANT, REFINER)

HISTORY: list[HistoryEvent] = [
    DECLARE_1,
    SHIP_1,
    CONSUME_1,
    DECLARE_2,
    SHIP_2,
    CONSUME_2,
    PRODUCE_3,
    PASSPORT_3,
    CONSUME_3,
    PRODUCE_4,
    SHIP_4,
    PRODUCE_5,
]

EXPECTED_EVENTS: list[dict[str, Any]] = [
    {
        "type": "ObjectEvent",
        **at(10),
        "eventID": f"{TX}{tx('a1')}:log:0",
        "epcList": [f"{LOT}1"],
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "bizLocation": {"id": f"urn:filon:eip155:31337:{CONTRACT}:mine:1"},
        "destinationList": [{"type": "owning_party", "destination": did(MINER)}],
        "ilmd": {"cbvmda:countryOfOrigin": "PE", "cbvmda:lotNumber": "ORE-1"},
    },
    {
        "type": "ObjectEvent",
        **at(11),
        "eventID": f"{TX}{tx('a2')}:log:0",
        "epcList": [f"{LOT}2"],
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "bizLocation": {"id": f"urn:filon:eip155:31337:{CONTRACT}:mine:2"},
        "destinationList": [{"type": "owning_party", "destination": did(MINER)}],
        "ilmd": {"cbvmda:countryOfOrigin": "BO", "cbvmda:lotNumber": "ORE-2"},
    },
    {
        "type": "ObjectEvent",
        **at(12),
        "eventID": f"{TX}{tx('b1')}:log:1",
        "epcList": [f"{LOT}1"],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "sourceList": [{"type": "owning_party", "source": did(MINER)}],
        "destinationList": [{"type": "owning_party", "destination": did(PLANT)}],
    },
    {
        "type": "ObjectEvent",
        **at(12),
        "eventID": f"{TX}{tx('b2')}:log:3",
        "epcList": [f"{LOT}2"],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "sourceList": [{"type": "owning_party", "source": did(MINER)}],
        "destinationList": [{"type": "owning_party", "destination": did(PLANT)}],
    },
    {
        "type": "TransformationEvent",
        **at(13),
        "eventID": f"{TX}{tx('c1')}",
        "inputEPCList": [f"{LOT}1", f"{LOT}2"],
        "inputQuantityList": [
            {"epcClass": f"{LOT}1", "quantity": 10.0, "uom": "GRM"},
            {"epcClass": f"{LOT}2", "quantity": 30.0, "uom": "GRM"},
        ],
        "outputEPCList": [f"{LOT}3"],
        "outputQuantityList": [{"epcClass": f"{LOT}3", "quantity": 39.0, "uom": "GRM"}],
        "bizStep": "commissioning",
        "disposition": "active",
    },
    {
        "type": "TransformationEvent",
        **at(15),
        "eventID": f"{TX}{tx('e1')}",
        "inputEPCList": [f"{LOT}3"],
        "inputQuantityList": [{"epcClass": f"{LOT}3", "quantity": 39.0, "uom": "GRM"}],
        "outputEPCList": [f"{LOT}4", f"{LOT}5"],
        "outputQuantityList": [
            {"epcClass": f"{LOT}4", "quantity": 26.0, "uom": "GRM"},
            {"epcClass": f"{LOT}5", "quantity": 13.0, "uom": "GRM"},
        ],
        "bizStep": "commissioning",
        "disposition": "active",
    },
    {
        "type": "ObjectEvent",
        **at(16),
        "eventID": f"{TX}{tx('f1')}:log:0",
        "epcList": [f"{LOT}4"],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "sourceList": [{"type": "owning_party", "source": did(PLANT)}],
        "destinationList": [{"type": "owning_party", "destination": did(REFINER)}],
    },
]


def export(history: list[HistoryEvent], **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "chain_id": CHAIN_ID,
        "contract": CONTRACT.lower(),
        "lots": LOTS,
        "block_times": BLOCK_TIMES,
        "mines": MINES,
        "created": CREATED,
    }
    arguments.update(overrides)
    return epcis_document(history, **arguments)


def test_the_document_header_is_epcis_2() -> None:
    document = export(HISTORY)

    assert {key: value for key, value in document.items() if key != "epcisBody"} == {
        "@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-02T00:00:00Z",
    }


def test_declarations_transfers_and_transformations_become_epcis_events() -> None:
    assert export(HISTORY)["epcisBody"]["eventList"] == EXPECTED_EVENTS


def test_the_document_passes_gs1_s_epcis_2_json_schema() -> None:
    assert epcis_errors(export(HISTORY)) == []
    assert epcis_errors(export([PRODUCE_4, SHIP_4], lots={}, mines={})) == []


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (lambda e: e.__setitem__("action", "MINT"), "'MINT' is not one of ['OBSERVE', 'ADD', 'DELETE']"),
        (lambda e: e.__setitem__("eventTimeZoneOffset", "Z"), "'Z' does not match"),
        (lambda e: e["bizLocation"].__setitem__("id", "mine 1"), "'mine 1' is not a 'uri'"),
        (lambda e: e.__setitem__("flavour", "gold"), "'flavour' is not valid under any of the given schemas"),
    ],
    ids=["unknown action", "bad time zone", "location not a URI", "unknown field"],
)
def test_the_schema_test_has_teeth(damage: Any, error: str) -> None:
    document = export(HISTORY)
    damage(document["epcisBody"]["eventList"][0])

    assert any(error in found for found in epcis_errors(document))


def test_without_mine_records_or_references_an_ore_lot_has_no_master_data() -> None:
    declared = Declared(LotId(1), 10, tx("a1"), 0, MINER, MineId(1), 10_000, 20_000, ROOT, "", "")

    (event,) = export([declared], mines={})["epcisBody"]["eventList"]

    assert "ilmd" not in event


def test_entries_given_twice_or_out_of_order_are_exported_once_in_chain_order() -> None:
    shuffled = list(reversed(HISTORY)) + HISTORY

    assert export(shuffled)["epcisBody"]["eventList"] == EXPECTED_EVENTS


def test_one_bar_s_own_history_gives_its_side_of_the_split() -> None:
    events = export([PRODUCE_4, SHIP_4], lots={})["epcisBody"]["eventList"]

    # the doré's fine gold is unknown without `lots`: its EPC is listed, its quantity is not
    assert events[0] == {
        "type": "TransformationEvent",
        **at(15),
        "eventID": f"{TX}{tx('e1')}",
        "inputEPCList": [f"{LOT}3"],
        "inputQuantityList": [],
        "outputEPCList": [f"{LOT}4"],
        "outputQuantityList": [{"epcClass": f"{LOT}4", "quantity": 26.0, "uom": "GRM"}],
        "bizStep": "commissioning",
        "disposition": "active",
    }
    assert events[1] == EXPECTED_EVENTS[-1]


def test_passport_versions_alone_give_an_empty_event_list() -> None:
    assert export([PASSPORT_3])["epcisBody"]["eventList"] == []


def test_a_block_without_a_time_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no time given for block 16"):
        export(HISTORY, block_times={b: t for b, t in BLOCK_TIMES.items() if b != 16})


def test_a_naive_block_time_is_refused() -> None:
    with pytest.raises(InvalidInput, match="timezone-aware"):
        export([SHIP_4], block_times={16: datetime.datetime(2026, 3, 1)})


def test_lots_keyed_by_lot_id_are_accepted() -> None:
    lots: dict[LotId, Lot] = {LotId(3): LOTS[3]}

    document = epcis_document(
        [CONSUME_3], chain_id=CHAIN_ID, contract=CONTRACT, lots=lots, block_times=BLOCK_TIMES
    )

    assert document["epcisBody"]["eventList"][0]["inputQuantityList"] == [
        {"epcClass": f"{LOT}3", "quantity": 39.0, "uom": "GRM"}
    ]
    assert document["creationDate"].endswith("Z")
