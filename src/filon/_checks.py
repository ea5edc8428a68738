"""Argument checks made before anything is sent: the contract's rules that need no chain, raising the
error the contract would, so that a caller (the CLI's ore-intake ledger) learns of a bad row before it
builds, stores or sends anything for it."""

from __future__ import annotations

from filon._errors import InvalidInput, InvalidMass, UnknownMine
from filon._types import MineId

_UINT256_MAX = 2**256 - 1
_UINT40_MAX = 2**40 - 1
"""The contract keeps a lot's fine gold in 40 bits (`FilonLots._checkMass`)."""


def _check_uint(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{name} must be a non-negative int, got {value!r}")
    if value > _UINT256_MAX:
        digits = str(value)
        shown = digits if len(digits) <= 80 else f"{digits[:20]}... ({len(digits)} digits)"
        raise InvalidInput(f"{name} must be below 2^256 (what the contract can hold), got {shown}")


def check_declaration(mine_id: int, fine_gold_mg: int, gross_mass_mg: int) -> None:
    """Checks an ore lot declaration's numbers as `declareLot` would, without a chain.

    What it cannot check here (the mine's status, operator and capacity, the external reference) the
    contract still checks when the lot is declared.

    Args:
        mine_id: The mine the ore comes from.
        fine_gold_mg: Fine gold in the lot, in milligrams.
        gross_mass_mg: Gross mass of the lot, in milligrams.

    Raises:
        InvalidInput: A number is not an int from 0 to 2^256 - 1 (it cannot be sent at all).
        InvalidMass: Fine gold is zero, more than the gross mass, or beyond the contract's 40 bits.
        UnknownMine: `mine_id` is 0 (mine ids start at 1).
    """
    _check_uint(mine_id, "mine_id")
    _check_uint(fine_gold_mg, "fine_gold_mg")
    _check_uint(gross_mass_mg, "gross_mass_mg")
    # The contract's order: the mass first, then (after the passport root) the mine.
    if fine_gold_mg == 0 or fine_gold_mg > gross_mass_mg or fine_gold_mg > _UINT40_MAX:
        raise InvalidMass(fine_gold_mg=fine_gold_mg, gross_mass_mg=gross_mass_mg)
    if mine_id == 0:
        raise UnknownMine(mine_id=MineId(mine_id))
