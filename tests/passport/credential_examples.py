"""The credential every credential test starts from: an ore lot's passport, fully filled in, as a UNTP DPP."""

from __future__ import annotations

import datetime
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from filon._types import Form
from filon.passport._dpp import passport_credential
from filon.passport._schema import (
    CarbonEmissions,
    Document,
    DocumentType,
    Facility,
    GeoLocation,
    LotReference,
    Party,
    Passport,
    Quantity,
)

CHAIN_ID = 31337
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ISSUER: LocalAccount = Account.from_key("0x" + "11" * 32)
VALID_FROM = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
DEPLOYMENT = f"urn:filon:eip155:31337:{CONTRACT}"
LOT = f"{DEPLOYMENT}:lot:101"
PERMIT = Document(
    type=DocumentType.MINING_PERMIT, issuer="DREM Puno", date=datetime.date(2025, 1, 10), sha256="ab" * 32
)
OLD_OECD = Document(
    type=DocumentType.OECD_ANNEX_II_RISK_ASSESSMENT,
    issuer="Auditora Andina",
    date=datetime.date(2025, 2, 1),
    sha256="cd" * 32,
    uri="https://docs.example.org/oecd-2025-02.pdf",
    name="OECD Annex II review 2025-02",
)
NEW_OECD = Document(
    type=DocumentType.OECD_ANNEX_II_RISK_ASSESSMENT,
    issuer="Auditora Andina",
    date=datetime.date(2025, 8, 1),
    sha256="ef" * 32,
    uri="see the binder",  # not a URI: the document is linked by its CID instead
)


def ore_passport() -> Passport:
    return Passport(
        lot=LotReference(
            lot_id=101, chain_id=CHAIN_ID, contract=CONTRACT, external_ref="ORE-7", batch_id="B-7"
        ),
        producer=Party(address=ISSUER.address, name="Cooperativa Minera Aurífera"),
        facility=Facility(
            mine_id=1,
            name="Pit 3",
            permit_number="REINFO-2024-1187",
            country="PE",
            region="Puno",
            location=GeoLocation(latitude=-15.84, longitude=-70.02),
        ),
        production_date=datetime.date(2026, 2, 14),
        quantity=Quantity(gross_mass_mg=50_000, fineness_ppt=800.0, fine_gold_mg=40_000),
        conformity=[PERMIT, OLD_OECD, NEW_OECD],
        carbon=CarbonEmissions(kg_co2e=4.25, scope=[1, 2], method="GHG Protocol", boundary="mine gate"),
        notes="Hand-sorted ore, sealed bag 7",
    )


def credential(passport: Passport | None = None, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "issuer_address": ISSUER.address.lower(),
        "issuer_name": "Cooperativa Minera Aurífera",
        "lot_id": 101,
        "chain_id": CHAIN_ID,
        "contract": CONTRACT.lower(),
        "version": 2,
        "valid_from": VALID_FROM,
        "form": Form.ORE,
        "passport_uri": "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
    }
    arguments.update(overrides)
    return passport_credential(passport or ore_passport(), **arguments)
