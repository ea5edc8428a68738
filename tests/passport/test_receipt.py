"""Schema 1.1's receipt: what a plant weighed and assayed, added without changing any 1.0 passport."""

from __future__ import annotations

import datetime
import json

import pytest
from passport_examples import ORE
from pydantic import ValidationError

from filon.passport import Assay, Passport, Receipt, build_tree, canonical_json, disclose, field_names

RECEIPT = Receipt(
    received_on=datetime.date(2026, 11, 3),
    wet_mass_mg=40_000_000,
    moisture_pct=8.0,
    dry_mass_mg=36_800_000,
    sample=Assay(lab="SGS Lima", grade_g_t=12.5),
    counter_sample=Assay(lab="ALS Lima", grade_g_t=12.1),
)
SALTS = {name: bytes([i + 1]) * 16 for i, name in enumerate(field_names("1.1"))}


def test_a_1_0_passport_serializes_and_hashes_as_before() -> None:
    assert ORE.schema_version == "1.0"
    assert "receipt" not in json.loads(canonical_json(ORE))
    assert field_names("1.0") == field_names("1.1")[:-1] and field_names("1.1")[-1] == "receipt"
    assert len(build_tree(ORE).leaves) == 10


def test_a_receipt_makes_the_passport_1_1_with_one_more_leaf() -> None:
    assayed = Passport.model_validate({**ORE.model_dump(exclude={"schema_version"}), "receipt": RECEIPT})
    assert assayed.schema_version == "1.1"
    tree = build_tree(assayed, SALTS)
    assert set(tree.leaves) == set(field_names("1.1"))
    shown = disclose(assayed, SALTS, ["receipt"], lot_id=7, version=2)
    assert shown.fields["receipt"].value == {
        "counter_sample": {"certificate_sha256": None, "grade_g_t": 12.1, "lab": "ALS Lima"},
        "dry_mass_mg": 36_800_000,
        "moisture_pct": 8.0,
        "received_on": "2026-11-03",
        "sample": {"certificate_sha256": None, "grade_g_t": 12.5, "lab": "SGS Lima"},
        "umpire": None,
        "wet_mass_mg": 40_000_000,
    }
    with pytest.raises(ValidationError, match=r"receipt needs schema_version 1\.1 or later, not 1\.0"):
        Passport.model_validate({**ORE.model_dump(), "schema_version": "1.0", "receipt": RECEIPT})


def test_the_dry_mass_is_the_wet_mass_less_its_moisture_to_the_milligram() -> None:
    fields = RECEIPT.model_dump()
    assert Receipt.model_validate({**fields, "dry_mass_mg": 36_800_001}).dry_mass_mg == 36_800_001
    with pytest.raises(
        ValidationError, match=r"dry_mass_mg \(36800002\) is not wet_mass_mg \(40000000\) less 8.0 % "
    ):
        Receipt.model_validate({**fields, "dry_mass_mg": 36_800_002})
    with pytest.raises(ValidationError, match="less than 100"):
        Receipt.model_validate({**fields, "moisture_pct": 100})
    with pytest.raises(ValueError, match=r"^'2.0' is not a passport schema version \(1.0, 1.1\)$"):
        field_names("2.0")
