"""The explorer's models of a plant's dashboard (`/plants/{address}`, `/api/plants/{address}`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from filon.explorer._models import FlagOut


class MonthIntakeOut(BaseModel):
    """What the plant received from one mine in one UTC month (by the time of the lots' transfer to it)."""

    month: str = Field(examples=["2025-05"], description="The UTC month, YYYY-MM.")
    mine_id: int
    mine_name: str | None = Field(description="The mine's name from its registrar's record, if verified.")
    lots: int = Field(description="The ore lots received.")
    fine_gold_mg: int = Field(description="Their declared fine gold.")
    dry_tonnes: float = Field(description="The dry mass of those with a receipt, in tonnes.")
    average_grade_g_t: float | None = Field(
        description="Their head grades weighted by dry mass; null when none has a receipt."
    )


class SupplyingMineOut(BaseModel):
    """A mine the plant received ore from, and how much of its yearly capacity it declared this year."""

    mine_id: int
    mine_name: str | None
    lots: int = Field(description="The ore lots the plant received from it.")
    received_mg: int = Field(description="Their declared fine gold.")
    capacity_mg: int = Field(description="The mine's yearly capacity.")
    declared_this_year_mg: int = Field(description="What the mine declared this UTC year, to every buyer.")
    capacity_used_percent: float | None = Field(description="Declared this year over capacity; null for 0.")


class CampaignOut(BaseModel):
    """A campaign: a transformation of the plant whose inputs are all ore lots and outputs not ore."""

    first_output: int = Field(description="Its first output, which names it.")
    inputs: list[int] = Field(description="Its ore lots.")
    outputs: list[int]
    fine_in_mg: int = Field(description="Its ore lots' declared fine gold.")
    fine_out_mg: int = Field(description="Its outputs' fine gold.")
    ore_gold_mg: float | None = Field(
        description="The gold its ore held by assay, sum of dry tonnes x head grade; null when an input "
        "has no receipt."
    )
    recovery: float | None = Field(
        description="fine_out_mg / ore_gold_mg; null when unknown or when the assays show no gold."
    )


class PlantOut(BaseModel):
    """Everything a plant's dashboard shows."""

    address: str
    name: str | None = Field(description="Its name from the registrar's record, if verified.")
    intake: list[MonthIntakeOut] = Field(description="By month, then mine.")
    mines: list[SupplyingMineOut] = Field(description="Its supplying mines, by id.")
    campaigns: list[CampaignOut] = Field(description="By first output.")
    flags: list[FlagOut] = Field(
        description="The open red flags of its supplying mines, of their ore lots' receipts it holds, and "
        "of its campaigns."
    )
