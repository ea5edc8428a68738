"""The explorer's data, one model per page: the JSON API returns them and the HTML templates render them.

Amounts are integers in milligrams, times are Unix seconds (UTC), hashes and roots are 0x hex, enums are
lower-case names: what the chain holds, in a form any client can read without Filón.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from filon._records import Participant
from filon.explorer._models_passports import PublishedOut
from filon.index._standards import LbmaStep

MineStatusName = Literal["active", "suspended", "revoked"]
FormName = Literal["ore", "concentrate", "dore", "refined", "product"]


class ErrorOut(BaseModel):
    """An error, said in one sentence."""

    detail: str = Field(description="What went wrong, for people.", examples=["No lot has id 7."])


class StatusOut(BaseModel):
    """What the index holds and how far it has read the chain."""

    chain_id: int
    contract: str = Field(description="The FilonLots contract indexed.")
    deployment_block: int
    last_block: int = Field(description="The last block the index has read.")
    last_block_time: int | None = Field(description="Its time (Unix seconds); None before the first sync.")
    lots: int = Field(description="Lots minted, consumed ones included.")
    mines: int = Field(description="Mines registered.")


class FlagOut(BaseModel):
    """A red flag: a reason for a closer look."""

    code: str = Field(examples=["ORIGIN_SUSPENDED"])
    message: str = Field(description="One sentence naming the lot or mine and the figures.")
    oecd_category: str = Field(
        description="Its risk category in Annex II of the OECD Due Diligence Guidance.",
        examples=["Bribery and fraudulent misrepresentation of the origin of minerals"],
    )
    lbma_step: LbmaStep = Field(
        description="The response step 3 of the LBMA Responsible Gold Guidance calls for."
    )


class MineSummary(BaseModel):
    """A mine as a lot page, a search or the home page lists it."""

    id: int
    operator: str = Field(description="The address that declares the mine's ore lots.")
    country: str = Field(description="ISO 3166-1 alpha-2 code.", examples=["PE"])
    status: MineStatusName
    permit_expiry: int = Field(description="Unix time after which the mine can declare no lot.")
    permit_expired: bool = Field(description="Whether the permit had expired at the last indexed block.")
    capacity_mg: int = Field(description="Fine gold it may declare per UTC calendar year.")
    declared_this_year_mg: int = Field(
        description="Fine gold declared in the year of the last indexed block."
    )
    name: str | None = Field(default=None, description="Its name, from its verified record; else None.")
    region: str | None = Field(default=None, description="Its region, from its verified record; else None.")


class PartyOut(BaseModel):
    """Who an address is: its name from its verified record (None without one) and its role on chain."""

    address: str
    name: str | None
    role: str | None = Field(description="Its role on chain (e.g. refiner); None if not admitted.")

    @classmethod
    def of(cls, party: Participant) -> PartyOut:
        """A participant's name and role."""
        return cls(
            address=party.address, name=party.name, role=party.role.name.lower() if party.role else None
        )


class SnapshotOut(BaseModel):
    """A government register snapshot the registrar imported."""

    snapshot_hash: str = Field(description="SHA-256 of the register file, 0x hex.")
    snapshot_date: int = Field(description="Unix time the register speaks for.")
    block_number: int
    transaction_hash: str


class LotSummary(BaseModel):
    """A lot as a list shows it."""

    id: int
    form: FormName
    fine_gold_mg: int
    gross_mass_mg: int
    mine_id: int | None = Field(description="The mine of an ore lot; None for a produced lot.")
    consumed: bool
    holder: str | None = Field(description="The current holder; None once consumed.")
    external_ref: str


class ProvenanceOut(BaseModel):
    """A lot's ancestry down to its ore lots: all of it, or its nearest lots when it is too large."""

    lots: list[LotSummary] = Field(
        description="The lots of the ancestry, the lot itself included, by id: every one when `complete`, "
        "else the nearest (the lot, its parents, theirs, ...)."
    )
    edges: list[tuple[int, int]] = Field(
        description="(parent, child) between the lots listed: the child was made from the parent."
    )
    complete: bool = Field(default=True, description="Whether `lots` holds the whole ancestry.")
    ancestry_lots: int | None = Field(
        default=None,
        description="How many lots the ancestry holds, the lot included; None when it is too large to count "
        "on a page.",
    )


class CustodyEntry(BaseModel):
    """One change of hands: the mint (declared or produced), a transfer, or the consumption."""

    event: Literal["declared", "produced", "transferred", "consumed"]
    from_address: str | None = Field(description="None for the mint.")
    to_address: str | None = Field(description="None when consumed.")
    outputs: list[int] = Field(description="For a consumption, the lots the transformation produced.")
    block_number: int
    log_index: int
    transaction_hash: str
    timestamp: int
    from_name: str | None = Field(default=None, description="The sender's name, from its verified record.")
    to_name: str | None = Field(default=None, description="The receiver's name, from its verified record.")


class PassportVersionOut(BaseModel):
    """One recorded version of a lot's passport."""

    version: int
    root: str = Field(description="The Merkle root recorded on chain, 0x hex.")
    uri: str
    block_number: int
    transaction_hash: str
    timestamp: int
    published: PublishedOut | None = Field(
        default=None, description="Its public layer, checked against the root; None when it cannot be read."
    )
    published_note: str | None = Field(default=None, description="Why its public layer cannot be shown.")


class MineCarbon(BaseModel):
    """The part of a lot's footprint that comes from one mine's extraction."""

    mine_id: int
    kg_co2e: float


class CarbonOut(BaseModel):
    """A lot's embodied carbon, rolled up over its ancestry by fine gold."""

    total_kg_co2e: float
    by_mine: list[MineCarbon]
    transformations_kg_co2e: float = Field(description="The part added by processing steps.")
    own_kg_co2e: float
    unreported_lots: list[int] = Field(description="Lots with no emissions figure (counted as zero).")


class CredentialOut(BaseModel):
    """A conformity credential an attester anchored about a lot or a mine, with its status."""

    credential_hash: str = Field(description="SHA-256 of the credential's JWT, anchored on chain (0x hex).")
    cid: str = Field(description="Where the credential itself is in the document store (/ipfs/{cid}).")
    attester: str = Field(description="The auditor or laboratory that issued and anchored it.")
    issuer_name: str | None = Field(description="The attester's name in the credential.")
    subject: str = Field(description='What it is about: "lot 7" or "mine 2".')
    assessment: str | None = Field(description='The assessment, from the credential ("Assay", ...).')
    conformance: bool | None = Field(description="The assessment's verdict, from the credential.")
    status: Literal["valid", "expired", "revoked", "unverified"] = Field(
        description="Revoked on chain; else valid or expired per the stored credential (at the index's "
        "time); unverified when the store holds no credential that verifies."
    )
    valid_until: int | None = Field(description="When the credential expires, if it does.")
    anchored_block: int
    status_index: int = Field(description="Its place in its attester's status list (/status/{attester}).")
    note: str | None = Field(description="Why the credential could not be read, if so.")


class ContributionOut(BaseModel):
    """The part of a lot's fine gold that came from one mine (proportional to fine gold through every merge
    and split)."""

    mine_id: int
    name: str | None = Field(description="The mine's name, when the index knows it.")
    fine_gold_mg: int = Field(description="Milligrams (largest remainder: they sum to the lot's fine gold).")
    share: float = Field(description="Its share, rounded to 6 decimals so that the lot's shares sum to 1.")


class LotOut(BaseModel):
    """Everything the lot page shows."""

    id: int
    holder: str | None = Field(description="The current holder; None once consumed.")
    holder_party: PartyOut | None = Field(default=None, description="The holder's name and role.")
    form: FormName
    fine_gold_mg: int
    gross_mass_mg: int
    consumed: bool
    external_ref: str
    serial: str | None = Field(
        default=None,
        description="The serial number its refiner stamped on a refined lot (a bar); None if none.",
        examples=["RAM-2026-000123"],
    )
    refiner: str | None = Field(
        default=None,
        description="The refiner that gave the serial number: with it, the bar's brand; None without one.",
    )
    brand: str | None = Field(
        default=None,
        description="The bar's brand: the name in its refiner's verified record; None without a serial or "
        "without a record.",
        examples=["Refinería Andina de Metales S.A."],
    )
    mine_id: int | None = Field(description="The mine of an ore lot; None for a produced lot.")
    parents: list[int] = Field(description="The lots it was made from.")
    children: list[int] = Field(description="The lots it was consumed into (empty while live).")
    mines: list[MineSummary] = Field(description="The mines of its ore, with their status now.")
    passport_versions: list[PassportVersionOut]
    custody: list[CustodyEntry]
    provenance: ProvenanceOut
    carbon_kg_co2e: float | None = Field(description="The embodied carbon; None when it cannot be computed.")
    carbon: CarbonOut | None
    carbon_note: str | None = Field(description="Why the carbon figure is missing or only a lower bound.")
    flags: list[FlagOut]
    flags_note: str | None = Field(description="Why the flags could not all be computed, if so.")
    contributions: list[ContributionOut] = Field(
        default_factory=list,
        description="Its fine gold by mine of origin, the largest share first (empty when not computed).",
    )
    contributions_note: str | None = Field(None, description="Why the contributions are missing, if so.")
    credentials: list[CredentialOut] = Field(
        description="Conformity credentials about the lot, its ancestors and the mines of its gold."
    )
    url: str = Field(description="The lot's page: what its QR code encodes.")
    qr: str = Field(description="The QR code of `url`, as SVG.")
    qr_png: str = Field(description="The same QR code as PNG.")


class MineOut(BaseModel):
    """Everything the mine page shows."""

    id: int
    operator: str
    country: str
    status: MineStatusName
    permit_expiry: int
    permit_expired: bool
    capacity_mg: int
    declared_this_year_mg: int
    year: int = Field(
        description="The UTC year `declared_this_year_mg` counts (that of the last indexed block)."
    )
    capacity_used_percent: float | None = Field(
        description="Declared over capacity, in %; None for no capacity."
    )
    remaining_mg: int
    permit_hash: str
    location_hash: str
    passport_hash: str
    flags: list[FlagOut]
    credentials: list[CredentialOut] = Field(description="Conformity credentials about the mine.")
    lots: list[LotSummary] = Field(description="Ore lots declared from the mine, newest first.")
    lots_truncated: bool = Field(description="Whether only the newest lots are listed.")
    name: str | None = Field(default=None, description="Its name, from its verified record.")
    region: str | None = Field(default=None, description="Its region, from its verified record.")
    record: dict[str, Any] | None = Field(default=None, description="Its record, only when verified.")
    record_state: str = Field(default="none", description="none, verified, missing or mismatch.")
    record_note: str = Field(default="", description="What `record_state` means, in words.")
    register_snapshot: SnapshotOut | None = Field(
        default=None, description="The register snapshot whose import set its current status, if one did."
    )


class ParticipantOut(BaseModel):
    """Everything the participant page shows."""

    address: str
    name: str | None
    role: str | None = Field(description="Its role on chain; None if not admitted.")
    record: dict[str, Any] | None = Field(description="The registrar's record of it, only when verified.")
    record_hash: str | None = Field(description="The SHA-256 the registrar published, 0x hex.")
    record_state: str = Field(description="none, verified, missing or mismatch.")
    verified: bool
    record_note: str = Field(description="What `record_state` means, in words.")
    lots: list[LotSummary] = Field(description="The live lots it holds.")
    plant: bool = Field(description="It received ore lots: its dashboard is at /plants/{address}.")


class FoundLot(LotSummary):
    """A lot a search found, with who issued it: an external reference is unique per issuer only, so two
    issuers' lots can share one, and a reference names a lot only together with its issuer."""

    issuer: str = Field(
        description="Who declared the lot (a mine's operator) or minted it in a transformation."
    )
    found_by: Literal["id", "reference", "serial", "holder", "name"] = Field(
        description="What the query matched: the lot's id, its external reference, its refiner's serial "
        "number, its holder's address, or a name (its holder's, or a mine's of its gold, in the registrar's "
        "records)."
    )


class SearchOut(BaseModel):
    """What a search found."""

    query: str
    lots: list[FoundLot]
    mines: list[MineSummary]
    participants: list[PartyOut] = Field(default_factory=list, description="Participants found by name.")


class HomeOut(BaseModel):
    """The home page: the index's status and every mine."""

    status: StatusOut
    mines: list[MineSummary]


class DocumentOut(BaseModel):
    """A document as a passport cites it."""

    type: str
    issuer: str
    date: str = Field(description="Its issue date, ISO 8601.")
    sha256: str
    uri: str | None
    name: str | None


class VerifyOut(BaseModel):
    """Whether a passport cites an uploaded document."""

    lot_id: int = Field(description="The lot asked about.")
    match: bool = Field(description="Whether a published passport of the lot or of its ancestry cites it.")
    cited_by: int | None = Field(description="The lot whose passport cites it: this lot or an ancestor.")
    version: int | None = Field(description="The latest passport version of that lot citing it.")
    field: str | None = Field(description="The passport field citing it.")
    index: int | None = Field(description="Its position in that field's list.")
    document: DocumentOut | None
    sha256: str = Field(description="The SHA-256 of the uploaded bytes.")
    size: int = Field(description="Bytes uploaded.")
    filename: str | None
    checked_lots: int = Field(
        description="Lots whose passports were searched: the lot, then its nearest ancestors first."
    )
    unreadable_lots: list[int] = Field(description="Lots whose passports could not be checked.")
