"""Example passports shared by the passport tests: an ore lot and a doré lot made from two ore lots."""

from __future__ import annotations

import datetime

from filon.passport import (
    CarbonEmissions,
    Document,
    DocumentType,
    Facility,
    GeoLocation,
    LotReference,
    MaterialInput,
    Party,
    Passport,
    Quantity,
)

PERMIT_SHA256 = "5f1e3c0b8a4d2e6f7a9b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f7"
ASSAY_SHA256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

ORE = Passport(
    lot=LotReference(batch_id="ORE-2026-0042", external_ref="PLANT-0042"),
    producer=Party(address="0x70997970C51812dc3A010C7d01b50e0d17dc79C8", name="Cooperativa Minera Aurífera"),
    facility=Facility(
        mine_id=1,
        name="Mina Santa Rosa",
        permit_number="REINFO-2024-1187",
        country="PE",
        region="Puno",
        location=GeoLocation(latitude=-14.6, longitude=-69.45),
    ),
    production_date=datetime.date(2026, 3, 14),
    quantity=Quantity(gross_mass_mg=1_000_000, fineness_ppt=850.0, fine_gold_mg=850_000),
    conformity=[
        Document(
            type=DocumentType.MINING_PERMIT,
            issuer="Ministerio de Energía y Minas",
            date=datetime.date(2024, 1, 10),
            sha256=PERMIT_SHA256,
            uri="ipfs://bafkreic7d4ydzwsh5ve6s2ckybqx2yfgyqjaxfxm7itfzgwhnsnx6v6k3q",
            name="Mining permit",
        ),
    ],
    carbon=CarbonEmissions(kg_co2e=12.5, scope=[1, 2], method="GHG Protocol", boundary="mine gate"),
)

DORE = Passport(
    lot=LotReference(lot_id=301, chain_id=31337, contract="0x5FbDB2315678afecb367f032d93F642f64180aa3"),
    producer=Party(name="Planta de Beneficio Ananea"),
    facility=Facility(name="Planta Ananea", country="PE"),
    production_date=datetime.date(2026, 4, 2),
    quantity=Quantity(gross_mass_mg=1_100_000, fineness_ppt=905.5, fine_gold_mg=996_050),
    materials_provenance=[
        MaterialInput(lot_id=1, mass_fraction=0.6),
        MaterialInput(lot_id=2, mass_fraction=0.4),
    ],
    conformity=[
        Document(
            type=DocumentType.ASSAY_CERTIFICATE,
            issuer="Laboratorio Andino",
            date=datetime.date(2026, 4, 3),
            sha256=ASSAY_SHA256,
        )
    ],
    notes="Smelted from two ore lots.",
)
