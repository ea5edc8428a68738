"""A lot page's contributions by mine: from the ancestry the page already walked, named by the one lookup
of mines' names (`filon.index._identities`)."""

from __future__ import annotations

from typing import TypedDict

from filon._contributions import decimal_shares
from filon._types import Lot
from filon.explorer._models import ContributionOut
from filon.index import Ancestry, Index, LotFacts
from filon.index._contributions import over
from filon.index._identities import mine_identities


class ContributionFields(TypedDict):
    """The fields of `LotOut` this module fills."""

    contributions: list[ContributionOut]
    contributions_note: str | None


def lot_contributions(index: Index, lot: Lot, facts: LotFacts, ancestry: Ancestry) -> ContributionFields:
    """A lot's contributions by mine over its ancestry as the page walked it, or a note saying why not
    (a walk that stopped at its limit, over gold from several mines)."""
    made = over(lot.id, lot.fine_gold_mg, facts.origins, ancestry)
    if made is None:
        note = (
            f"This lot's gold comes from {len(facts.origins)} mines through more transformations than a page "
            "walks: Index.contributions or filon.Client.contributions computes its shares."
        )
        return {"contributions": [], "contributions_note": note}
    names = mine_identities(index, [part.mine_id for part in made])
    shares = decimal_shares([part.share for part in made])
    return {
        "contributions": [
            ContributionOut(
                mine_id=part.mine_id,
                name=names[part.mine_id].name,
                fine_gold_mg=part.fine_gold_mg,
                share=float(share),
            )
            for part, share in zip(made, shares, strict=True)
        ],
        "contributions_note": None,
    }
