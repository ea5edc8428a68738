"""`filon explorer serve --rule NAME=VALUE`: any red flag's threshold (`filon.index.FlagRules`) from the
command line, each field by its name, each value checked by the field's type and then by `FlagRules` itself.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from filon._cli._types import _Parsed, decimal_number, whole_number
from filon._errors import InvalidInput

if TYPE_CHECKING:
    from filon.index import FlagRules

# How each FlagRules field is written (its annotation, a string under `from __future__ import annotations`).
_SHAPES = {"int": "a whole number", "float": "a number", "tuple[float, float]": "two numbers, LOW,HIGH"}


def _fields() -> dict[str, str]:
    from filon.index import FlagRules

    return {field.name: str(field.type) for field in dataclasses.fields(FlagRules)}


def _value(kind: str, text: str) -> Any:
    if kind == "int":
        return whole_number(text, 0, 10**9)
    if kind == "float":
        return float(decimal_number(text))
    low, comma, high = text.partition(",")
    if not comma:
        raise ValueError(f"{text.strip()!r} is not two numbers, LOW,HIGH")
    return (float(decimal_number(low)), float(decimal_number(high)))


class RuleSetting(_Parsed):
    """NAME=VALUE: a field of `FlagRules` and its value, like assay_tolerance=0.05 or recovery_band=0.8,1."""

    name = "rule"

    def parse(self, text: str) -> tuple[str, Any]:
        name, equals, value = text.partition("=")
        fields = _fields()
        if not equals or name.strip() not in fields:
            raise ValueError(f"{text!r} is not NAME=VALUE with NAME one of {', '.join(fields)}")
        kind = fields[name.strip()]
        if kind not in _SHAPES:  # a field this parser cannot write yet: say so, never guess
            raise ValueError(f"{name.strip()} cannot be set from the command line")
        try:
            return name.strip(), _value(kind, value)
        except ValueError as exc:
            raise ValueError(f"{name.strip()} takes {_SHAPES[kind]}: {exc}") from None


def flag_rules(max_loss_pct: float, idle_days: int, settings: tuple[tuple[str, Any], ...]) -> FlagRules:
    """The red flags' thresholds: the defaults, then --max-loss and --idle-days, then each --rule in order
    (a later one wins, `--rule loss_band=...` over --max-loss).

    Raises:
        InvalidInput: `FlagRules` refuses the thresholds together (with its reason).
    """
    from filon.index import FlagRules

    values: dict[str, Any] = {"loss_band": (0.0, max_loss_pct / 100), "idle_days": idle_days}
    values.update(settings)
    try:
        return FlagRules(**values)
    except InvalidInput as exc:
        raise InvalidInput(f"--rule: {exc}") from None
