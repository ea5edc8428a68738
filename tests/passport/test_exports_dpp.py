"""Passport credentials as UNTP Digital Product Passports 0.6.1: the mapping, and the published schema."""

from __future__ import annotations

import copy
import datetime
import hashlib
from typing import Any

import pytest
from credential_examples import (
    CHAIN_ID,
    CONTRACT,
    DEPLOYMENT,
    ISSUER,
    LOT,
    NEW_OECD,
    OLD_OECD,
    PERMIT,
    VALID_FROM,
    credential,
    ore_passport,
)

from filon._errors import InvalidInput
from filon._types import Form, Lot, LotId, Mine, MineId, MineStatus, Provenance
from filon.passport import UNTP_DPP_VERSION, canonical_json, cid_for_sha256
from filon.passport._dpp import origin_countries, passport_credential
from filon.passport._schema import (
    CarbonEmissions,
    Document,
    Facility,
    LotReference,
    MaterialInput,
    Party,
    Passport,
    Quantity,
)
from standards import untp_dpp_errors


def claim(index: int, document: Document, topic: str, name: str, url: str) -> dict[str, Any]:
    return {
        "type": ["Claim", "Declaration"],
        "id": f"{LOT}:passport:2:claim:{index}",
        "description": f"{name} issued by {document.issuer} on {document.date.isoformat()}",
        "assessmentDate": document.date.isoformat(),
        "conformance": True,
        "conformityTopic": topic,
        "conformityEvidence": {
            "type": ["SecureLink", "Link"],
            "linkURL": url,
            "linkName": name,
            "hashDigest": document.sha256,
            "hashMethod": "SHA-256",
            "encryptionMethod": "none",
        },
    }


NEW_OECD_URL = f"ipfs://{cid_for_sha256('ef' * 32)}"

EXPECTED_ORE_CREDENTIAL: dict[str, Any] = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://test.uncefact.org/vocabulary/untp/dpp/0.6.1/",
    ],
    "type": ["DigitalProductPassport", "VerifiableCredential"],
    "id": f"{LOT}:passport:2",
    "issuer": {
        "type": ["CredentialIssuer"],
        "id": f"did:pkh:eip155:31337:{ISSUER.address}",
        "name": "Cooperativa Minera Aurífera",
    },
    "validFrom": "2026-03-01T12:00:00Z",
    "credentialSubject": {
        "type": ["ProductPassport"],
        "id": LOT,
        "product": {
            "type": ["Product"],
            "id": LOT,
            "name": "Gold ore lot 101",
            "registeredId": "101",
            "idScheme": {
                "type": ["IdentifierScheme"],
                "id": DEPLOYMENT,
                "name": f"Filón lot token ids of FilonLots {CONTRACT} on chain 31337",
            },
            "batchNumber": "B-7",
            "description": "Hand-sorted ore, sealed bag 7",
            "producedByParty": {
                "id": f"did:pkh:eip155:31337:{ISSUER.address}",
                "name": "Cooperativa Minera Aurífera",
            },
            "producedAtFacility": {
                "id": f"{DEPLOYMENT}:mine:1",
                "name": "Pit 3",
                "registeredId": "REINFO-2024-1187",
                "countryOfOperation": "PE",
                "address": {"addressRegion": "Puno", "addressCountry": "PE"},
                "locationInformation": {"geoLocation": {"type": "Point", "coordinates": [-70.02, -15.84]}},
            },
            "productionDate": "2026-02-14",
            "countryOfProduction": "PE",
            "dimensions": {"weight": {"value": 50.0, "unit": "GRM"}},
            "characteristics": {
                "type": ["Characteristics"],
                "fineGoldMass": {"value": 40.0, "unit": "GRM"},
                "finenessPerThousand": 800.0,
                "externalReference": "ORE-7",
            },
            "furtherInformation": [
                {
                    "linkURL": "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
                    "linkName": "Filón passport version 2 of lot 101",
                }
            ],
        },
        "granularityLevel": "batch",
        "materialsProvenance": [
            {
                "type": ["Material"],
                "name": "Gold",
                "originCountry": "PE",
                "massFraction": 0.8,
                "mass": {"value": 40.0, "unit": "GRM"},
            }
        ],
        "conformityClaim": [
            claim(0, PERMIT, "governance.compliance", "Mining permit", f"ipfs://{cid_for_sha256('ab' * 32)}"),
            claim(
                1,
                OLD_OECD,
                "governance.ethics",
                "OECD Annex II review 2025-02",
                "https://docs.example.org/oecd-2025-02.pdf",
            ),
            claim(2, NEW_OECD, "governance.ethics", "Oecd annex ii risk assessment", NEW_OECD_URL),
        ],
        "dueDiligenceDeclaration": {"linkURL": NEW_OECD_URL, "linkName": "Oecd annex ii risk assessment"},
        "emissionsScorecard": {
            "type": ["EmissionsPerformance"],
            "carbonFootprint": 4.25,
            "declaredUnit": "EA",
            "operationalScope": "None",
            "primarySourcedRatio": 0.0,
            "ghgScopes": [1, 2],
            "accountingMethod": "GHG Protocol",
            "systemBoundary": "mine gate",
        },
    },
}


def test_every_passport_field_maps_to_its_untp_property() -> None:
    assert credential() == EXPECTED_ORE_CREDENTIAL


def test_the_credential_passes_the_untp_dpp_0_6_1_schema() -> None:
    assert UNTP_DPP_VERSION == "0.6.1"
    assert untp_dpp_errors(credential()) == []


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (lambda c: c["issuer"].pop("name"), "['issuer']: 'name' is a required property"),
        (
            lambda c: c["@context"].pop(1),
            "['@context']: ['https://www.w3.org/ns/credentials/v2'] is too short",
        ),
        (
            lambda c: c["credentialSubject"]["conformityClaim"][0].__setitem__("conformityTopic", "mining"),
            "['credentialSubject', 'conformityClaim', 0, 'conformityTopic']: 'mining' is not one of",
        ),
        (
            lambda c: c["credentialSubject"]["product"].__setitem__("id", "lot 101"),
            "['credentialSubject', 'product', 'id']: 'lot 101' is not a 'uri'",
        ),
    ],
    ids=["issuer without name", "no UNTP context", "unknown topic", "product id not a URI"],
)
def test_the_schema_test_has_teeth(damage: Any, error: str) -> None:
    broken = copy.deepcopy(credential())
    damage(broken)

    errors = untp_dpp_errors(broken)

    assert len(errors) == 1
    assert errors[0].startswith(error)


def test_without_a_name_the_issuer_is_named_by_its_address() -> None:
    assert credential(issuer_name=None)["issuer"]["name"] == ISSUER.address


def transformed_passport(inputs: list[MaterialInput]) -> Passport:
    return Passport(
        lot=LotReference(),
        producer=Party(name="Planta Beneficio Sur"),
        facility=Facility(name="Planta Sur", country="PE"),
        production_date=datetime.date(2026, 3, 4),
        quantity=Quantity(gross_mass_mg=9_500, fineness_ppt=947.4, fine_gold_mg=9_000),
        materials_provenance=inputs,
    )


def test_a_transformed_lot_lists_its_input_lots_with_their_single_origin_where_known() -> None:
    passport = transformed_passport(
        [MaterialInput(lot_id=101, mass_fraction=0.75), MaterialInput(lot_id=102, mass_fraction=0.25)]
    )

    subject = credential(passport, form=Form.DORE, origin_countries={101: "PE", 7: "BO"})["credentialSubject"]

    assert subject["product"]["name"] == "Gold doré lot 101"
    # no account and no registered mine: the producer and the plant are named under the lot
    assert subject["product"]["producedByParty"] == {"id": f"{LOT}:producer", "name": "Planta Beneficio Sur"}
    assert subject["product"]["producedAtFacility"] == {
        "id": f"{LOT}:facility",
        "name": "Planta Sur",
        "countryOfOperation": "PE",
    }
    assert subject["materialsProvenance"] == [
        {"type": ["Material"], "name": "Gold from lot 101", "massFraction": 0.75, "originCountry": "PE"},
        {"type": ["Material"], "name": "Gold from lot 102", "massFraction": 0.25},
    ]
    assert "emissionsScorecard" not in subject
    assert "dueDiligenceDeclaration" not in subject
    assert subject["conformityClaim"] == []


def test_a_lot_without_inputs_or_form_has_gold_of_unknown_origin_unless_given() -> None:
    passport = transformed_passport([])

    unknown = credential(passport, form=None)["credentialSubject"]
    known = credential(passport, form=None, origin_countries={101: "BO"})["credentialSubject"]

    assert unknown["product"]["name"] == "Gold lot 101"
    assert unknown["materialsProvenance"] == [
        {
            "type": ["Material"],
            "name": "Gold",
            "massFraction": 9_000 / 9_500,
            "mass": {"value": 9.0, "unit": "GRM"},
        }
    ]
    assert known["materialsProvenance"][0]["originCountry"] == "BO"


def test_scope_3_emissions_are_cradle_to_gate() -> None:
    passport = ore_passport().model_copy(
        update={
            "carbon": CarbonEmissions(kg_co2e=9.5, scope=[1, 2, 3], method="ISO 14067", boundary="cradle")
        }
    )

    scorecard = credential(passport)["credentialSubject"]["emissionsScorecard"]

    assert scorecard["operationalScope"] == "CradleToGate"
    assert scorecard["ghgScopes"] == [1, 2, 3]


EPCIS = {
    "@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    "type": "EPCISDocument",
    "schemaVersion": "2.0",
    "creationDate": "2026-03-05T00:00:00Z",
    "epcisBody": {
        "eventList": [
            {
                "type": "ObjectEvent",
                "eventTime": "2026-03-01T08:10:00Z",
                "eventTimeZoneOffset": "+00:00",
                "eventID": f"{DEPLOYMENT}:tx:0x{'a1' * 32}:log:0",
                "epcList": [f"{DEPLOYMENT}:lot:1"],
                "action": "ADD",
                "bizStep": "commissioning",
            },
            {
                "type": "ObjectEvent",
                "eventTime": "2026-03-01T08:12:00Z",
                "eventTimeZoneOffset": "+00:00",
                "eventID": f"{DEPLOYMENT}:tx:0x{'b1' * 32}:log:1",
                "epcList": [f"{DEPLOYMENT}:lot:1"],
                "action": "OBSERVE",
                "bizStep": "shipping",
            },
            {
                "type": "TransformationEvent",
                "eventTime": "2026-03-01T08:13:00Z",
                "eventTimeZoneOffset": "+00:00",
                "eventID": f"{DEPLOYMENT}:tx:0x{'c1' * 32}",
                "inputEPCList": [f"{DEPLOYMENT}:lot:1"],
                "outputEPCList": [LOT],
                "bizStep": "commissioning",
            },
            {
                "type": "ObjectEvent",
                "eventTime": "2026-03-01T08:14:00Z",
                "eventTimeZoneOffset": "+00:00",
                "eventID": f"{DEPLOYMENT}:tx:0x{'d1' * 32}:log:0",
                "epcList": [LOT],
                "action": "OBSERVE",
                "bizStep": "shipping",
            },
        ]
    },
}


def link(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": ["SecureLink", "Link"],
        "linkURL": event["eventID"],
        "linkName": f"{event['type']} {event['bizStep']} at {event['eventTime']}",
        "linkType": f"https://ref.gs1.org/epcis/{event['type']}",
        "hashDigest": hashlib.sha256(canonical_json(event)).hexdigest(),
        "hashMethod": "SHA-256",
        "encryptionMethod": "none",
    }


def test_the_lot_s_epcis_events_are_linked_with_their_hashes_by_value_chain_process() -> None:
    events = EPCIS["epcisBody"]["eventList"]

    result = credential(epcis=EPCIS)

    assert result["credentialSubject"]["traceabilityInformation"] == [
        {
            "type": ["TraceabilityPerformance"],
            "valueChainProcess": "Mining",
            "verifiedRatio": 1.0,
            "traceabilityEvent": [link(events[0])],
        },
        {
            "type": ["TraceabilityPerformance"],
            "valueChainProcess": "Shipping",
            "verifiedRatio": 1.0,
            "traceabilityEvent": [link(events[1]), link(events[3])],
        },
        {
            "type": ["TraceabilityPerformance"],
            "valueChainProcess": "Processing",
            "verifiedRatio": 1.0,
            "traceabilityEvent": [link(events[2])],
        },
    ]
    assert untp_dpp_errors(result) == []


@pytest.mark.parametrize(
    "epcis",
    [
        {"type": "EPCISDocument"},
        {"epcisBody": {"eventList": [{"type": "ObjectEvent"}]}},
        {"epcisBody": {"eventList": ["ObjectEvent"]}},
    ],
    ids=["no event list", "event without bizStep", "event not an object"],
)
def test_a_document_that_is_not_filon_s_epcis_is_refused(epcis: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="epcis must be an EPCIS document"):
        credential(epcis=epcis)


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"valid_from": datetime.datetime(2026, 1, 1)}, "valid_from must be a timezone-aware datetime"),
        ({"version": 0}, "version must be a positive int, got 0"),
        ({"issuer_address": "0x1234"}, "address must be a 0x-prefixed 20-byte address"),
        ({"chain_id": 0}, "chain_id must be a positive int, got 0"),
        ({"lot_id": -1}, "lot_id must be a non-negative int, got -1"),
    ],
)
def test_unusable_arguments_are_refused(overrides: dict[str, Any], error: str) -> None:
    with pytest.raises(InvalidInput, match=error):
        credential(**overrides)


def test_a_passport_must_be_a_passport_model() -> None:
    with pytest.raises(InvalidInput, match=r"passport must be a filon\.Passport, got dict"):
        passport_credential(
            ore_passport().model_dump(mode="json"),  # type: ignore[arg-type]
            issuer_address=ISSUER.address,
            lot_id=1,
            chain_id=CHAIN_ID,
            contract=CONTRACT,
            version=1,
            valid_from=VALID_FROM,
        )


def lot(lot_id: int, mine_id: int | None, parents: tuple[int, ...] = ()) -> Lot:
    return Lot(
        id=LotId(lot_id),
        holder=None,
        form=Form.ORE if mine_id else Form.DORE,
        fine_gold_mg=1_000,
        gross_mass_mg=2_000,
        mine_id=MineId(mine_id) if mine_id else None,
        parents=tuple(LotId(p) for p in parents),
        consumed=True,
        passport_root=b"\x01" * 32,
        passport_version=1,
        passport_uri="",
        external_ref="",
    )


def mine(mine_id: int, country: str) -> Mine:
    return Mine(
        id=MineId(mine_id),
        operator=ISSUER.address,
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


def test_origin_countries_follow_the_ancestry_to_the_mines() -> None:
    # ores 1, 2 (Peru) and 3 (Bolivia); doré 4 from 1 and 2; doré 5 from 4 and 3; bar 6 from 4
    lots = {
        1: lot(1, 1),
        2: lot(2, 2),
        3: lot(3, 3),
        4: lot(4, None, (1, 2)),
        5: lot(5, None, (4, 3)),
        6: lot(6, None, (4,)),
    }
    provenance = Provenance(
        lot_id=LotId(5),
        lots={LotId(i): found for i, found in lots.items()},
        edges=(),
        mines={MineId(1): mine(1, "PE"), MineId(2): mine(2, "PE"), MineId(3): mine(3, "BO")},
    )

    assert origin_countries(provenance) == {1: "PE", 2: "PE", 3: "BO", 4: "PE", 6: "PE"}
