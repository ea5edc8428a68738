"""Which mines a lot's fine gold came from, and how much from each, through every merge and split.

A transformation pools its inputs: all its outputs are made of the same mixture, in which each input weighs
by its fine gold. So the share of a produced lot's gold that comes from a mine is, summed over the inputs of
the transformation that made it, that input's fine gold over the inputs' total times the input's own share
from the mine; an ore lot's gold is all from its mine. (A transformation whose inputs hold no fine gold at
all weighs them equally: proportions of nothing are otherwise undefined.)

Arithmetic is exact. Shares are `fractions.Fraction`s and sum to exactly 1. Milligrams are the lot's fine
gold split by the largest-remainder method: each mine gets the whole part of its exact amount, and the
milligrams left over go one each to the mines with the largest remainders (equal remainders: the smaller
mine id first), so they sum to exactly the lot's fine gold. `decimal_shares` rounds the shares for display
the same way, in millionths, so the printed shares also sum to exactly 1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from filon._errors import InvalidInput
from filon._types import LotId, MineId, Provenance

SHARE_PLACES = 6
"""Decimal places of the shares `decimal_shares` prints (the API's and the reports')."""


@dataclass(frozen=True)
class Contribution:
    """The part of a lot's fine gold that came from one mine.

    Attributes:
        mine_id: The mine.
        fine_gold_mg: Its milligrams of the lot's fine gold (largest remainder: they sum to the lot's).
        share: Its exact share of the lot's fine gold (the shares of a lot sum to exactly 1).
    """

    mine_id: MineId
    fine_gold_mg: int
    share: Fraction


Mixture = dict[MineId, Fraction]
"""Shares of gold by mine, summing to 1."""


def mine_shares(
    lot_id: int,
    parents: Callable[[int], Sequence[int]],
    fine_gold_mg: Mapping[int, int],
    mine_of: Mapping[int, MineId | None],
) -> Mixture:
    """The exact share of a lot's fine gold that came from each mine.

    Walks the ancestry without recursion (a chain of a thousand one-to-one transformations is as deep), and
    mixes each transformation once, however many of its outputs the ancestry holds.

    Args:
        lot_id: The lot.
        parents: A lot's parents (the inputs of the transformation that made it; empty for ore).
        fine_gold_mg: The fine gold of every lot of the ancestry.
        mine_of: The mine of every ore lot of the ancestry.

    Returns:
        The shares, by mine id.

    Raises:
        InvalidInput: A lot without parents has no mine, or a lot's fine gold is missing.
    """
    found: dict[int, Mixture] = {}
    mixed: dict[tuple[int, ...], Mixture] = {}
    ore: dict[MineId, Mixture] = {}  # one mixture per mine: `_mix` weighs lots sharing one together
    stack = [lot_id]
    while stack:
        lot = stack[-1]
        if lot in found:
            stack.pop()
            continue
        group = tuple(parents(lot))
        if not group:
            mine = mine_of.get(lot)
            if mine is None:
                raise InvalidInput(f"Lot {lot} has neither parents nor a mine: its gold has no origin")
            found[lot] = ore.setdefault(mine, {mine: Fraction(1)})
            stack.pop()
            continue
        if group not in mixed:
            pending = [parent for parent in group if parent not in found]
            if pending:
                stack.extend(pending)
                continue
            mixed[group] = _mix(group, found, fine_gold_mg)
        found[lot] = mixed[group]
        stack.pop()
    return found[lot_id]


def _mix(group: tuple[int, ...], found: Mapping[int, Mixture], fine_gold_mg: Mapping[int, int]) -> Mixture:
    """The mixture of a transformation's inputs, each weighing by its fine gold."""
    try:
        fine = [fine_gold_mg[parent] for parent in group]
    except KeyError as missing:
        raise InvalidInput(f"The fine gold of lot {missing} is not known") from None
    total = sum(fine)
    # Inputs that share one mixture (the outputs of one transformation, the ore of one mine) are weighed
    # together, in whole milligrams first: a transformation of 64 lots made by one transformation costs one
    # fraction per mine, not 64.
    weights: dict[int, tuple[Mixture, int]] = {}
    for parent, mg in zip(group, fine, strict=True):
        mixture = found[parent]
        _, before = weights.get(id(mixture), (mixture, 0))
        weights[id(mixture)] = (mixture, before + (mg if total else 1))
    result: Mixture = {}
    for mixture, units in weights.values():
        weight = Fraction(units, total or len(group))
        for mine, share in mixture.items():
            result[mine] = result.get(mine, Fraction(0)) + weight * share
    return result


def largest_remainder(total: int, shares: Mapping[MineId, Fraction]) -> dict[MineId, int]:
    """`total` split in whole units in proportion to `shares` (which sum to 1), summing to exactly `total`:
    each gets the whole part of its exact amount, and the units left go one each to the largest remainders
    (equal remainders: the smaller mine id first)."""
    exact = {mine: total * share for mine, share in shares.items()}
    whole = {mine: int(amount) for mine, amount in exact.items()}  # amounts are >= 0: int() floors
    left = total - sum(whole.values())
    for mine in sorted(exact, key=lambda mine: (-(exact[mine] - whole[mine]), mine))[:left]:
        whole[mine] += 1
    return whole


def split(fine_gold_mg: int, shares: Mapping[MineId, Fraction]) -> list[Contribution]:
    """A lot's contributions from its shares by mine: the largest share first (equal shares: by mine id)."""
    mg = largest_remainder(fine_gold_mg, shares)
    order = sorted(shares, key=lambda mine: (-shares[mine], mine))
    return [Contribution(mine_id=mine, fine_gold_mg=mg[mine], share=shares[mine]) for mine in order]


def decimal_shares(shares: Sequence[Fraction], places: int = SHARE_PLACES) -> list[Decimal]:
    """Shares (summing to 1) rounded to `places` decimals by the largest-remainder method, in the same order:
    the printed shares sum to exactly 1 (a share rounds to 0 when below half a unit of the last place and
    others took the units)."""
    unit = 10**places
    units = largest_remainder(unit, {MineId(i): share for i, share in enumerate(shares)})
    return [Decimal(units[MineId(i)]).scaleb(-places) for i in range(len(shares))]


def from_provenance(provenance: Provenance) -> list[Contribution]:
    """The contributions to a lot from its provenance (as `Client.provenance` reads it)."""
    lots = provenance.lots
    shares = mine_shares(
        provenance.lot_id,
        lambda lot: lots[LotId(lot)].parents,
        {int(lot_id): lot.fine_gold_mg for lot_id, lot in lots.items()},
        {int(lot_id): lot.mine_id for lot_id, lot in lots.items()},
    )
    return split(lots[provenance.lot_id].fine_gold_mg, shares)
