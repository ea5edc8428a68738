"""A gold lot's passport: a versioned, typed JSON document aligned with the UNTP Digital Product Passport.

Every top-level field of `Passport` becomes one salted leaf of the passport's Merkle tree (see
`filon.passport.build_tree`), so a holder can disclose, say, `carbon` alone.
"""

from __future__ import annotations

import datetime
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    StringConstraints,
    model_serializer,
    model_validator,
)

__all__ = [
    "SCHEMA_VERSIONS",
    "Assay",
    "CarbonEmissions",
    "Document",
    "DocumentType",
    "Facility",
    "GeoLocation",
    "LotReference",
    "MaterialInput",
    "Party",
    "Passport",
    "Quantity",
    "Receipt",
    "write_json_schema",
]

SCHEMA_VERSIONS = ("1.0", "1.1")
"""The passport schema versions, oldest first. 1.1 adds `receipt`; a 1.0 passport's tree has no leaf for it,
so every 1.0 passport keeps the root it was recorded with."""

ADDED_IN = {"receipt": "1.1"}
"""Fields a later schema version added, with that version: older passports' trees have no leaf for them."""

MAX_SAFE_INTEGER = 2**53 - 1
"""The largest integer RFC 8785 (I-JSON) represents exactly; integer fields stay at or below it."""

_ASSIGNED_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
    BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
    FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
    IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
    MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE
    YT ZA ZM ZW
    """
_ISO_3166_ALPHA_2 = frozenset(_ASSIGNED_CODES.split())
"""The officially assigned ISO 3166-1 alpha-2 codes."""


def _assigned_country(code: str) -> str:
    if code not in _ISO_3166_ALPHA_2:
        raise ValueError(f"{code!r} is not an assigned ISO 3166-1 alpha-2 country code")
    return code


CountryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    AfterValidator(_assigned_country),
    Field(description="ISO 3166-1 alpha-2 country code, upper case (e.g. PE)."),
]
SafeInt = Annotated[int, Field(ge=0, le=MAX_SAFE_INTEGER)]
PositiveSafeInt = Annotated[int, Field(gt=0, le=MAX_SAFE_INTEGER)]
Sha256Hex = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{64}$"),
    Field(description="SHA-256 of the document's bytes, 64 lower-case hex digits."),
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LotReference(_Model):
    """Which lot the passport describes (UNTP: product identifier).

    Attributes:
        lot_id: The lot's ERC-721 token id, once minted.
        batch_id: The producer's batch or lot number.
        chain_id: The EVM chain the lot lives on.
        contract: The FilonLots contract address (0x hex).
        external_ref: The partner's reference used when declaring the lot.
    """

    lot_id: SafeInt | None = None
    batch_id: str | None = None
    chain_id: PositiveSafeInt | None = None
    contract: Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")] | None = None
    external_ref: str | None = None


class Party(_Model):
    """The producer (UNTP: producedByParty).

    Attributes:
        address: Its Ethereum account (0x hex), if it has one.
        name: Its legal name.
    """

    address: Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")] | None = None
    name: Annotated[str, StringConstraints(min_length=1)]


class GeoLocation(_Model):
    """A point in WGS 84 decimal degrees.

    Attributes:
        latitude: -90 to 90.
        longitude: -180 to 180.
    """

    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]


class Facility(_Model):
    """The mine or plant where the lot was produced (UNTP: producedAtFacility).

    Attributes:
        mine_id: The mine's id in the Filón registry, if it is a registered mine.
        name: The facility's name.
        permit_number: Its mining or operating permit number.
        country: ISO 3166-1 alpha-2 code.
        region: Region, department or province.
        location: Its coordinates, if disclosed.
    """

    mine_id: PositiveSafeInt | None = None
    name: Annotated[str, StringConstraints(min_length=1)]
    permit_number: str | None = None
    country: CountryCode
    region: str | None = None
    location: GeoLocation | None = None


class Quantity(_Model):
    """How much gold the lot holds.

    Attributes:
        gross_mass_mg: Gross mass in milligrams.
        fineness_ppt: Gold fineness in parts per thousand (e.g. 999.9 for four nines).
        fine_gold_mg: Fine gold in milligrams, at most the gross mass.
    """

    gross_mass_mg: PositiveSafeInt
    fineness_ppt: Annotated[float, Field(gt=0, le=1000)]
    fine_gold_mg: PositiveSafeInt

    @model_validator(mode="after")
    def _fine_within_gross(self) -> Quantity:
        if self.fine_gold_mg > self.gross_mass_mg:
            raise ValueError(
                f"fine_gold_mg ({self.fine_gold_mg}) exceeds gross_mass_mg ({self.gross_mass_mg})"
            )
        return self


class MaterialInput(_Model):
    """One input lot this lot was made from (UNTP: materialsProvenance).

    Attributes:
        lot_id: The input lot's token id.
        mass_fraction: The share of this lot's mass that came from it, 0 to 1.
    """

    lot_id: SafeInt
    mass_fraction: Annotated[float, Field(ge=0, le=1)]


class DocumentType(StrEnum):
    """The kind of a conformity document (UNTP: conformityClaim evidence)."""

    MINING_PERMIT = "mining_permit"
    OECD_ANNEX_II_RISK_ASSESSMENT = "oecd_annex_ii_risk_assessment"
    CRAFT_ASSESSMENT = "craft_assessment"
    FAIRMINED_CERTIFICATE = "fairmined_certificate"
    ASSAY_CERTIFICATE = "assay_certificate"
    SHIPMENT_DOCUMENT = "shipment_document"
    EXPORT_DECLARATION = "export_declaration"
    OTHER = "other"


class Document(_Model):
    """A piece of conformity evidence, cited by its SHA-256 (its bytes live in a `DocumentStore`).

    Attributes:
        type: What the document is.
        issuer: Who issued it.
        date: Its issue date.
        sha256: SHA-256 of its bytes, lower-case hex.
        uri: Where it can be fetched (e.g. ipfs://bafkrei...).
        name: A human-readable title.
    """

    type: DocumentType
    issuer: Annotated[str, StringConstraints(min_length=1)]
    date: datetime.date
    sha256: Sha256Hex
    uri: str | None = None
    name: str | None = None


class CarbonEmissions(_Model):
    """Greenhouse-gas emissions attributed to the lot (UNTP: emissionsScorecard).

    Attributes:
        kg_co2e: Kilograms of CO2 equivalent, not negative.
        scope: The GHG Protocol scopes included (1, 2, 3).
        method: The accounting method or standard used.
        boundary: The system boundary (e.g. "mine to dore, cradle-to-gate").
    """

    kg_co2e: Annotated[float, Field(ge=0)]
    scope: list[Literal[1, 2, 3]]
    method: str
    boundary: str


class Assay(_Model):
    """One laboratory's assay of an ore lot's head grade.

    Attributes:
        lab: The laboratory.
        grade_g_t: Gold in grams per dry tonne.
        certificate_sha256: SHA-256 of its assay certificate, also cited in `conformity`, if there is one.
    """

    lab: Annotated[str, StringConstraints(min_length=1)]
    grade_g_t: Annotated[float, Field(ge=0, le=1_000_000)]
    certificate_sha256: Sha256Hex | None = None


class Receipt(_Model):
    """What a plant measured when it received an ore lot (schema 1.1): masses, moisture and the assays.

    Attributes:
        received_on: The day it was weighed (UTC).
        wet_mass_mg: Its mass as weighed, in milligrams.
        moisture_pct: Its moisture, percent of the wet mass (0 to under 100).
        dry_mass_mg: `wet_mass_mg` less its moisture, in milligrams (rounded to the milligram).
        sample: The assay of the plant's sample.
        counter_sample: The assay of the counter-sample (the miner's, or another lab's).
        umpire: The umpire assay that settled a dispute between the two, if there was one.
    """

    received_on: datetime.date
    wet_mass_mg: PositiveSafeInt
    moisture_pct: Annotated[float, Field(ge=0, lt=100)]
    dry_mass_mg: PositiveSafeInt
    sample: Assay
    counter_sample: Assay
    umpire: Assay | None = None

    @model_validator(mode="after")
    def _dry_from_wet(self) -> Receipt:
        expected = dry_mass(self.wet_mass_mg, self.moisture_pct)
        if abs(self.dry_mass_mg - expected) > 1:
            raise ValueError(
                f"dry_mass_mg ({self.dry_mass_mg}) is not wet_mass_mg ({self.wet_mass_mg}) less "
                f"{self.moisture_pct} % moisture ({expected})"
            )
        return self


def dry_mass(wet_mass_mg: int, moisture_pct: float) -> int:
    """The dry mass of ore weighed wet with this moisture, rounded to the milligram."""
    return round(wet_mass_mg * (100 - moisture_pct) / 100)


class Passport(_Model):
    """A gold lot's digital product passport, version 1.0 or 1.1 (1.1 adds `receipt`).

    Each top-level field is one leaf of the passport's Merkle tree, except a later version's fields in an
    earlier version's passport (`field_names`): a 1.0 passport's tree is the same as before 1.1 existed.

    Attributes:
        schema_version: "1.0", or "1.1" (the default when a `receipt` is given).
        lot: The lot it describes.
        producer: Who produced the lot.
        facility: Where it was produced.
        production_date: When it was produced.
        quantity: Its mass and fineness.
        materials_provenance: The input lots (empty for ore lots).
        conformity: Conformity evidence (permits, risk assessments, certificates).
        carbon: Emissions attributed to the lot, if assessed.
        notes: Free text.
        receipt: What the plant measured on receiving an ore lot (1.1 only).
    """

    schema_version: Literal["1.0", "1.1"] = "1.0"
    lot: LotReference
    producer: Party
    facility: Facility
    production_date: datetime.date
    quantity: Quantity
    materials_provenance: list[MaterialInput] = []
    conformity: list[Document] = []
    carbon: CarbonEmissions | None = None
    notes: str | None = None
    receipt: Receipt | None = None

    @model_validator(mode="before")
    @classmethod
    def _version_of_receipt(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("receipt") is not None and "schema_version" not in data:
            return {**data, "schema_version": "1.1"}
        return data

    @model_serializer(mode="wrap")
    def _only_fields_of_version(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A 1.0 passport serializes, and hashes, exactly as it did before 1.1 added fields.
        data: dict[str, Any] = handler(self)
        return {name: value for name, value in data.items() if name in field_names(self.schema_version)}

    @model_validator(mode="after")
    def _fields_of_version(self) -> Passport:
        for name, version in ADDED_IN.items():
            if getattr(self, name) is not None and SCHEMA_VERSIONS.index(
                self.schema_version
            ) < SCHEMA_VERSIONS.index(version):
                raise ValueError(f"{name} needs schema_version {version} or later, not {self.schema_version}")
        return self

    @model_validator(mode="after")
    def _fractions_within_one(self) -> Passport:
        total = sum(item.mass_fraction for item in self.materials_provenance)
        if total > 1 + 1e-9:
            raise ValueError(f"materials_provenance mass fractions sum to {total}, more than 1")
        return self


def field_names(schema_version: str = SCHEMA_VERSIONS[-1]) -> tuple[str, ...]:
    """The top-level fields of a passport of this schema version, one leaf each, in schema order.

    Raises:
        ValueError: Not a schema version.
    """
    if schema_version not in SCHEMA_VERSIONS:
        raise ValueError(
            f"{schema_version!r} is not a passport schema version ({', '.join(SCHEMA_VERSIONS)})"
        )
    known = SCHEMA_VERSIONS.index(schema_version)
    return tuple(
        name
        for name in Passport.model_fields
        if name not in ADDED_IN or SCHEMA_VERSIONS.index(ADDED_IN[name]) <= known
    )


def json_schema_text() -> str:
    """The passport's JSON Schema, as written to docs/passport.schema.json (sorted keys, 2-space indent)."""
    return json.dumps(Passport.model_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json_schema(path: str | Path) -> Path:
    """Writes the passport's JSON Schema (`Passport.model_json_schema()`) to `path`.

    Args:
        path: The file to (over)write, e.g. docs/passport.schema.json.

    Returns:
        The path written.
    """
    target = Path(path)
    target.write_text(json_schema_text(), encoding="utf-8")
    return target
