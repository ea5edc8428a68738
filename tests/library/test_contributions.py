"""The arithmetic of contributions, without a chain: exact shares, largest remainders, the edge cases."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from filon import InvalidInput, MineId
from filon._contributions import Contribution, decimal_shares, largest_remainder, mine_shares, split


def test_largest_remainder_gives_the_units_left_to_the_largest_remainders_then_the_smaller_mine() -> None:
    thirds = {MineId(3): Fraction(1, 3), MineId(1): Fraction(1, 3), MineId(2): Fraction(1, 3)}
    assert largest_remainder(100, thirds) == {MineId(1): 34, MineId(2): 33, MineId(3): 33}
    assert largest_remainder(0, thirds) == {MineId(1): 0, MineId(2): 0, MineId(3): 0}
    assert split(2, thirds) == [
        Contribution(MineId(1), 1, Fraction(1, 3)),
        Contribution(MineId(2), 1, Fraction(1, 3)),
        Contribution(MineId(3), 0, Fraction(1, 3)),
    ]
    assert decimal_shares([part.share for part in split(2, thirds)]) == [
        Decimal("0.333334"),
        Decimal("0.333333"),
        Decimal("0.333333"),
    ]


def test_a_transformation_of_inputs_without_fine_gold_weighs_them_equally() -> None:
    parents = {3: (1, 2)}
    shares = mine_shares(
        3, lambda lot: parents.get(lot, ()), {1: 0, 2: 0, 3: 0}, {1: MineId(7), 2: MineId(8)}
    )
    assert shares == {MineId(7): Fraction(1, 2), MineId(8): Fraction(1, 2)}


def test_a_chain_of_two_thousand_transformations_needs_no_recursion() -> None:
    parents = {lot: (lot - 1,) for lot in range(1, 2_001)}
    shares = mine_shares(
        2_000, lambda lot: parents.get(lot, ()), {lot: 5 for lot in range(2_001)}, {0: MineId(4)}
    )
    assert shares == {MineId(4): Fraction(1)}


def test_a_lot_without_parents_or_mine_and_a_missing_fine_gold_are_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^Lot 1 has neither parents nor a mine: its gold has no origin$"):
        mine_shares(2, lambda lot: (1,) if lot == 2 else (), {1: 5, 2: 5}, {})
    with pytest.raises(InvalidInput, match=r"^The fine gold of lot 1 is not known$"):
        mine_shares(2, lambda lot: (1,) if lot == 2 else (), {2: 5}, {1: MineId(1)})
