"""Each red flag's place in the two standards a refiner answers to: the OECD Due Diligence Guidance's Annex II
risk category, and the response the LBMA Responsible Gold Guidance's step 3 calls for.

OECD Annex II (the Model Supply Chain Policy) names the risks; LBMA's step 3 says what a refiner does on
finding one: **mitigate** (continue, with measurable steps to reduce the risk), **suspend** (stop trade with
the supplier until the risk is addressed) or **disengage** (end the relationship). The mapping is this
project's reading of both for what each flag shows, and one table: a flag without an entry cannot be made.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OecdCategory(StrEnum):
    """The OECD Annex II risk categories the flags of this index point at (of the Annex's six, those the
    chain's figures can show: its abuses, armed groups, security forces and taxes are outside them)."""

    MISREPRESENTATION = "Bribery and fraudulent misrepresentation of the origin of minerals"
    MONEY_LAUNDERING = "Money laundering"


class LbmaStep(StrEnum):
    """The risk response of LBMA Responsible Gold Guidance step 3."""

    MITIGATE = "mitigate"
    SUSPEND = "suspend"
    DISENGAGE = "disengage"


@dataclass(frozen=True)
class Standard:
    """Where a flag sits in the standards.

    Attributes:
        oecd_category: Its OECD Annex II risk category.
        lbma_step: The LBMA step-3 response it calls for.
    """

    oecd_category: OecdCategory
    lbma_step: LbmaStep


_ORIGIN, _LAUNDERING = OecdCategory.MISREPRESENTATION, OecdCategory.MONEY_LAUNDERING

STANDARDS: dict[str, Standard] = {
    # A mine the registrar suspended may not sell gold until it is reinstated; a revoked one never again.
    "MINE_SUSPENDED": Standard(_ORIGIN, LbmaStep.SUSPEND),
    "MINE_REVOKED": Standard(_ORIGIN, LbmaStep.DISENGAGE),
    "ORIGIN_SUSPENDED": Standard(_ORIGIN, LbmaStep.SUSPEND),
    "ORIGIN_REVOKED": Standard(_ORIGIN, LbmaStep.DISENGAGE),
    # Declaring more than a concession can produce is how gold of other origins is laundered through it.
    "MINE_OVER_CAPACITY": Standard(_LAUNDERING, LbmaStep.SUSPEND),
    "MINE_NEAR_CAPACITY": Standard(_LAUNDERING, LbmaStep.MITIGATE),
    "MINE_CAPACITY_PROJECTED": Standard(_LAUNDERING, LbmaStep.MITIGATE),
    "MINE_DECLARATION_BURST": Standard(_LAUNDERING, LbmaStep.MITIGATE),
    # Ore declared without a valid permit: its legal origin is not shown.
    "DECLARED_AFTER_PERMIT_EXPIRY": Standard(_ORIGIN, LbmaStep.SUSPEND),
    # A mass balance or a custody record that does not add up, an assurance or a document that no longer
    # stands: questions to answer, the trade going on meanwhile.
    "LOSS_OUT_OF_BAND": Standard(_ORIGIN, LbmaStep.MITIGATE),
    "LOT_IDLE": Standard(_ORIGIN, LbmaStep.MITIGATE),
    "ATTESTATION_REVOKED": Standard(_ORIGIN, LbmaStep.MITIGATE),
    "ATTESTATION_EXPIRED": Standard(_ORIGIN, LbmaStep.MITIGATE),
    "DOCUMENT_MISSING": Standard(_ORIGIN, LbmaStep.MITIGATE),
    # An assay that does not back the declaration, or two that disagree with no umpire: the declared gold
    # may not be this ore's (gold of another origin declared through it); a question to the plant and the
    # mine, the trade going on meanwhile.
    "ASSAY_DECLARATION_MISMATCH": Standard(_ORIGIN, LbmaStep.MITIGATE),
    "ASSAY_SAMPLE_DISAGREEMENT": Standard(_ORIGIN, LbmaStep.MITIGATE),
    # Ore far richer than its mine ever delivered is the Peruvian pattern of a register holder "producing"
    # gold of other origins: the laundering risk, to mitigate (verify the mine) before more is bought.
    "GRADE_ABOVE_HISTORY": Standard(_LAUNDERING, LbmaStep.MITIGATE),
    # A plant recovering more gold than its ore held has gold from elsewhere in its doré (above 100 % it
    # cannot be a measurement error): suspend until explained. Below the band is treated the same way by
    # one table entry per code; the message says which side.
    "CAMPAIGN_RECOVERY_OUT_OF_BAND": Standard(_LAUNDERING, LbmaStep.SUSPEND),
}
"""Every flag code's standards, by code."""


def standard_of(code: str) -> Standard:
    """The standards of a flag code.

    Raises:
        ValueError: No flag has this code (every flag this index makes has an entry).
    """
    try:
        return STANDARDS[code]
    except KeyError:
        raise ValueError(f"{code!r} is not a red flag with an OECD category and an LBMA step") from None
