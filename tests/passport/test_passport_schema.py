"""The passport model: its validation rules and its committed JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from passport_examples import DORE, ORE
from pydantic import ValidationError

from filon.passport import Facility, MaterialInput, Passport, Quantity, write_json_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "passport.schema.json"


def test_the_committed_schema_is_a_fresh_export(tmp_path: Path) -> None:
    fresh = write_json_schema(tmp_path / "passport.schema.json")

    assert fresh.read_text(encoding="utf-8") == SCHEMA_FILE.read_text(encoding="utf-8")
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == Passport.model_json_schema()


@pytest.mark.parametrize("passport", [ORE, DORE], ids=["ore", "dore"])
def test_example_passports_validate_against_the_committed_schema(passport: Passport) -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)

    jsonschema.validate(passport.model_dump(mode="json"), schema)


@pytest.mark.parametrize("passport", [ORE, DORE], ids=["ore", "dore"])
def test_a_passport_round_trips_through_json(passport: Passport) -> None:
    assert Passport.model_validate_json(passport.model_dump_json()) == passport


def test_the_schema_rejects_what_the_model_rejects() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    data: dict[str, Any] = ORE.model_dump(mode="json")
    data["surprise"] = 1

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
    with pytest.raises(ValidationError):
        Passport.model_validate(data)


def test_passports_are_frozen() -> None:
    with pytest.raises(ValidationError):
        setattr(ORE, "notes", "changed")  # noqa: B010


@pytest.mark.parametrize("country", ["pe", "PER", "XX", "ZZ"])
def test_a_country_must_be_an_assigned_alpha_2_code(country: str) -> None:
    with pytest.raises(ValidationError, match="country"):
        Facility(name="Mina", country=country)


def test_fine_gold_cannot_exceed_gross_mass() -> None:
    with pytest.raises(ValidationError, match="exceeds gross_mass_mg"):
        Quantity(gross_mass_mg=1_000, fineness_ppt=999.9, fine_gold_mg=1_001)


@pytest.mark.parametrize("fineness", [0, -1, 1000.1])
def test_fineness_is_in_parts_per_thousand(fineness: float) -> None:
    with pytest.raises(ValidationError, match="fineness_ppt"):
        Quantity(gross_mass_mg=1_000, fineness_ppt=fineness, fine_gold_mg=900)


def test_provenance_fractions_cannot_sum_above_one() -> None:
    inputs = [MaterialInput(lot_id=1, mass_fraction=0.7), MaterialInput(lot_id=2, mass_fraction=0.4)]

    with pytest.raises(ValidationError, match="sum to"):
        Passport.model_validate(DORE.model_dump() | {"materials_provenance": inputs})


def test_provenance_fractions_may_sum_to_one_within_rounding() -> None:
    thirds = [MaterialInput(lot_id=i, mass_fraction=1 / 3) for i in (1, 2, 3)]

    passport = Passport.model_validate(DORE.model_dump() | {"materials_provenance": thirds})

    assert len(passport.materials_provenance) == 3


def test_a_sha256_must_be_lower_case_hex() -> None:
    data = ORE.model_dump(mode="json")
    data["conformity"][0]["sha256"] = data["conformity"][0]["sha256"].upper()

    with pytest.raises(ValidationError, match="sha256"):
        Passport.model_validate(data)


def test_integers_stay_within_the_json_safe_range() -> None:
    with pytest.raises(ValidationError, match="gross_mass_mg"):
        Quantity(gross_mass_mg=2**53, fineness_ppt=1.0, fine_gold_mg=1)
