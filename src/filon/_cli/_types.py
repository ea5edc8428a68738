"""The `filon` command's parameter types: each turns the text an operator typed into the value the library
takes, or refuses it as a usage error (exit 2) with one sentence saying why.

The parsing functions raise `ValueError` with that sentence, so that the ore-intake ledger parses its cells
by the same rules as the options. Numbers are ASCII only: `str.isdigit` and `Decimal` also take other
scripts' digits (Arabic-Indic, full-width) and superscripts, which nobody types into a ledger on purpose.
"""

from __future__ import annotations

import abc
import contextlib
import datetime
import re
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, Inexact, InvalidOperation, localcontext
from typing import Any

import click
from web3 import Web3

from filon._checks import UINT256_MAX
from filon._types import Form, LotOutput

MAX_NUMBER_CHARS = 100
"""Longer text is no number anyone typed; it is refused before it is parsed (Python refuses to convert an
integer of more than 4,300 digits, and a decimal's exponent has limits of its own)."""

MAX_SYNC_INTERVAL = 86_400.0
"""The longest pause between two syncs, in seconds: a day. Longer is a typing error (and `time.sleep`
overflows on a number like 1e999999)."""

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DIGITS = re.compile(r"[0-9]+")
_DURATION = re.compile(r"([0-9]+)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_HASH = re.compile(r"0x[0-9a-fA-F]{64}")
# Exact products of a number of at most MAX_NUMBER_CHARS digits and a unit of 10^6, at any exponent a
# decimal holds (the default context would round 1e-9999999 g to 0 mg rather than refuse it).
_EXACT = Context(prec=MAX_NUMBER_CHARS + 10, Emin=MIN_EMIN, Emax=MAX_EMAX, traps=[Inexact, InvalidOperation])
_UINT256_DIGITS = len(str(UINT256_MAX))


def _shown(text: str) -> str:
    """`text` quoted for a message, cut short when it is long."""
    return repr(text) if len(text) <= 40 else f"{text[:20]!r}... ({len(text):,} characters)"


def _bound(number: int) -> str:
    """A bound as people read it: 2^256 - 1 rather than its 78 digits."""
    power = (number + 1).bit_length() - 1
    return f"2^{power} - 1" if power >= 64 and number + 1 == 1 << power else f"{number:,}"


def _number_text(text: str) -> str:
    value = text.strip()
    if len(value) > MAX_NUMBER_CHARS:
        raise ValueError(f"{_shown(value)} is too long for a number")
    return value


def decimal_number(text: str) -> Decimal:
    """`text` as a finite decimal number written in ASCII (a sign, digits, a point, an exponent).

    Raises:
        ValueError: It is not one, or it is too long to be one.
    """
    value = _number_text(text)
    if not _DECIMAL.fullmatch(value):
        raise ValueError(f"{_shown(value)} is not a number{'' if value.isascii() else ' in the digits 0-9'}")
    try:
        return Decimal(value)
    except InvalidOperation:  # an exponent beyond what a decimal holds (some 10^18)
        raise ValueError(f"{_shown(value)} has an exponent out of any range") from None


def positive_decimal(text: str) -> Decimal:
    """`text` as a positive decimal number (a grade, an amount before its unit is applied).

    Raises:
        ValueError: It is not a number, or not positive.
    """
    value = decimal_number(text)
    if value <= 0:
        raise ValueError(f"{text.strip()} is not positive")
    return value


def milligrams(text: str, unit_mg: int, unit: str) -> int:
    """`text`, a decimal amount in a unit of `unit_mg` milligrams called `unit`, as a whole number of mg.

    Decimal arithmetic keeps it exact: 0.85 g is 850 mg, never 849.9999.

    Raises:
        ValueError: It is not a positive number, holds a fraction of a milligram, or is more milligrams
            than a contract argument holds.
    """
    amount = decimal_number(text)
    value = text.strip()
    if amount <= 0:
        raise ValueError(f"{value} {unit} is not positive")
    # Checked before multiplying: 1e999999 kg in mg is past the decimal's exponent range.
    if amount.adjusted() > _UINT256_DIGITS:
        raise ValueError(f"{value} {unit} is more than the chain can hold ({_bound(UINT256_MAX)} mg)")
    with localcontext(_EXACT):
        mg = amount * unit_mg
    if mg != mg.to_integral_value():
        raise ValueError(f"{value} {unit} is more precise than a milligram")
    if mg > UINT256_MAX:
        raise ValueError(f"{value} {unit} is more than the chain can hold ({_bound(UINT256_MAX)} mg)")
    return int(mg)


def whole_number(text: str, minimum: int = 0, maximum: int | None = UINT256_MAX) -> int:
    """`text` as a whole number in ASCII digits, from `minimum` to `maximum` (None: no upper bound).

    Raises:
        ValueError: It is not one, or lies outside the bounds.
    """
    value = _number_text(text)
    if not _DIGITS.fullmatch(value):
        raise ValueError(f"{_shown(value)} is not a whole number in the digits 0-9")
    number = int(value)
    if number < minimum:
        raise ValueError(f"{number} is less than {minimum}")
    if maximum is not None and number > maximum:
        cut = value if len(value) <= 40 else f"{value[:20]}... ({len(value)} digits)"
        raise ValueError(f"{cut} is more than {_bound(maximum)}, the largest allowed")
    return number


def unix_time(text: str) -> int:
    """A date (YYYY-MM-DD, midnight UTC), an ISO 8601 date-time, or Unix seconds, as Unix seconds.

    Raises:
        ValueError: It is none of these, or lies before 1970 or beyond what the chain holds.
    """
    value = text.strip()
    if _DIGITS.fullmatch(value):
        return whole_number(value)
    if not value.isascii():
        raise ValueError(f"{_shown(value)} is not a date, a date-time or Unix seconds in the digits 0-9")
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{_shown(value)} is not a date (YYYY-MM-DD), a date-time or Unix seconds") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    seconds = int(moment.timestamp())
    if seconds < 0:
        raise ValueError(f"{value} is before 1970, where Unix time begins")
    return seconds


def iso_date(text: str) -> datetime.date:
    """`text` as a YYYY-MM-DD date.

    Raises:
        ValueError: It is not one.
    """
    value = text.strip()
    if value.isascii():
        with contextlib.suppress(ValueError):
            return datetime.date.fromisoformat(value)
    raise ValueError(f"{_shown(value)} is not a YYYY-MM-DD date")


def duration(text: str) -> int:
    """A number and a unit (s, m, h or d), like 7d, as seconds.

    Raises:
        ValueError: It is not one, or so long that no deadline the chain holds could follow from it.
    """
    value = text.strip()
    match = _DURATION.fullmatch(value) if len(value) <= MAX_NUMBER_CHARS else None
    if match is None:
        raise ValueError(f"{_shown(value)} is not a number and a unit (s, m, h or d), like 7d")
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > UINT256_MAX // 2:  # now plus this must stay a Unix time the chain holds
        raise ValueError(f"{_shown(value)} is longer than the chain can count")
    return seconds


def bounded_number(text: str, minimum: float, maximum: float, unit: str) -> float:
    """`text` as a number from `minimum` to `maximum`, in `unit` (as messages name it).

    Raises:
        ValueError: It is not a number (NaN and infinity are not), or lies outside those bounds.
    """
    value = float(decimal_number(text))
    if not minimum <= value <= maximum:
        raise ValueError(f"{text.strip()} is not from {minimum:,g} to {maximum:,g} {unit}")
    return value


def output_spec(text: str) -> LotOutput:
    """`FORM:FINE_G:GROSS_G[:SERIAL]`, like dore:850:1000 or refined:999.9:1000:RAM-2026-000123, as a
    `LotOutput` (masses in grams). Everything after the third colon is the serial number of a refined
    output, colons included.

    Raises:
        ValueError: It is not of that shape, names no form, a mass is no amount of grams, or the serial is
            empty.
    """
    value = text.strip()
    parts = value.split(":", 3)
    if len(parts) < 3:
        raise ValueError(
            f"{_shown(value)} is not FORM:FINE_G:GROSS_G[:SERIAL], like dore:850:1000 or "
            "refined:999.9:1000:RAM-2026-000123"
        )
    form_name, fine, gross = parts[:3]
    serial = parts[3] if len(parts) == 4 else None
    if serial is not None and not serial:
        raise ValueError(f"{_shown(value)} ends with a colon but no serial number")
    forms = {form.name.lower(): form for form in Form}
    if form_name.lower() not in forms:
        raise ValueError(f"{_shown(form_name)} is not a form: one of {', '.join(forms)}")
    try:
        fine_mg = milligrams(fine, 1000, "g")
    except ValueError as exc:
        raise ValueError(f"fine gold {exc}") from None
    try:
        gross_mg = milligrams(gross, 1000, "g")
    except ValueError as exc:
        raise ValueError(f"gross mass {exc}") from None
    return LotOutput(
        form=forms[form_name.lower()], fine_gold_mg=fine_mg, gross_mass_mg=gross_mg, serial=serial
    )


def bytes32(text: str) -> bytes:
    """A 32-byte hash written as 0x and 64 hex digits.

    Raises:
        ValueError: It is not one.
    """
    value = text.strip()
    if not _HASH.fullmatch(value):
        raise ValueError(f"{_shown(value)} is not a 32-byte hash: 0x and 64 hex digits")
    return bytes.fromhex(value[2:])


def address(text: str) -> str:
    """An Ethereum address (hex, in one case or with a valid checksum), checksummed.

    Raises:
        ValueError: It is not one.
    """
    value = text.strip()
    if not Web3.is_address(value):
        raise ValueError(f"{_shown(value)} is not an address: 0x and 40 hex digits (mixed case: checksummed)")
    return str(Web3.to_checksum_address(value))


# ----------------------------------------------------------------------------- click types


class _Parsed(click.ParamType, abc.ABC):
    """A click type whose `parse` raises `ValueError` with the sentence `convert` fails with."""

    @abc.abstractmethod
    def parse(self, text: str) -> Any:
        """The value `text` stands for."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):  # a default, or a value click converted already
            return value
        try:
            return self.parse(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class WholeNumber(_Parsed):
    """An id or a nonce: ASCII digits, from `minimum` to `maximum` (default: what a uint256 holds)."""

    name = "integer"

    def __init__(self, minimum: int = 0, maximum: int | None = UINT256_MAX) -> None:
        self.minimum, self.maximum = minimum, maximum

    def parse(self, text: str) -> int:
        return whole_number(text, self.minimum, self.maximum)


class Milligrams(_Parsed):
    """A positive decimal amount in a unit (g, kg), converted exactly to whole milligrams."""

    name = "amount"

    def __init__(self, unit: str, unit_mg: int) -> None:
        self.unit, self.unit_mg = unit, unit_mg

    def parse(self, text: str) -> int:
        return milligrams(text, self.unit_mg, self.unit)


class UnixTime(_Parsed):
    """YYYY-MM-DD (midnight UTC), an ISO 8601 date-time, or Unix seconds, as Unix seconds."""

    name = "date"

    def parse(self, text: str) -> int:
        return unix_time(text)


class Duration(_Parsed):
    """A number and a unit (s, m, h or d), like 7d, as seconds."""

    name = "duration"

    def parse(self, text: str) -> int:
        return duration(text)


class Bounded(_Parsed):
    """A number from `minimum` to `maximum`, in `unit`: an interval in seconds, a percentage."""

    name = "number"

    def __init__(self, minimum: float, maximum: float, unit: str) -> None:
        self.minimum, self.maximum, self.unit = minimum, maximum, unit

    def parse(self, text: str) -> float:
        return bounded_number(text, self.minimum, self.maximum, self.unit)


class OutputSpec(_Parsed):
    """FORM:FINE_G:GROSS_G, one output of a transformation."""

    name = "output"

    def parse(self, text: str) -> LotOutput:
        return output_spec(text)


class Bytes32(_Parsed):
    """A 32-byte hash, 0x and 64 hex digits."""

    name = "hash"

    def parse(self, text: str) -> bytes:
        return bytes32(text)


class Address(_Parsed):
    """An Ethereum address, checksummed."""

    name = "address"

    def parse(self, text: str) -> str:
        return address(text)


LOT_ID = WholeNumber(minimum=1)
MINE_ID = WholeNumber(minimum=1)
NONCE = WholeNumber(minimum=0)
GRAMS = Milligrams("g", 1000)
KILOGRAMS = Milligrams("kg", 1_000_000)
UNIX_TIME = UnixTime()
DURATION = Duration()
OUTPUT = OutputSpec()
HASH = Bytes32()
ADDRESS = Address()
PERCENT = Bounded(0, 100, "percent")
