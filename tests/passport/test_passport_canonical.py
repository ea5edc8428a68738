"""Canonical JSON (RFC 8785) and the passport hash."""

from __future__ import annotations

import hashlib
import json
import struct

import pytest
from passport_examples import DORE, ORE

from filon._errors import InvalidInput
from filon.passport import Passport, canonical_json, passport_hash


def test_rfc_8785_section_3_2_2_sample() -> None:
    text = (
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )

    assert (
        canonical_json(json.loads(text))
        == (
            '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
            '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
        ).encode()
    )


def test_rfc_8785_section_3_2_3_sorts_keys_by_utf16_code_units() -> None:
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }

    keys = list(json.loads(canonical_json(value)))

    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


# RFC 8785 appendix B: IEEE 754 bit patterns and their serialisation.
NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "expected"), NUMBERS)
def test_rfc_8785_number_serialisation(bits: str, expected: str) -> None:
    (number,) = struct.unpack(">d", bytes.fromhex(bits))

    assert canonical_json(number) == expected.encode()


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 2**53, {1: "a"}])
def test_values_without_a_canonical_form_are_refused(value: object) -> None:
    with pytest.raises(InvalidInput, match="RFC 8785"):
        canonical_json(value)


def test_a_passport_and_its_json_data_model_canonicalise_alike() -> None:
    assert canonical_json(ORE) == canonical_json(ORE.model_dump(mode="json"))
    assert b" " not in canonical_json({"a": [1, 2]})


def test_key_order_and_whitespace_do_not_change_the_hash() -> None:
    data = DORE.model_dump(mode="json")
    reordered = json.dumps(dict(reversed(list(data.items()))), indent=4)
    compact = json.dumps(data, separators=(",", ":"))

    from_reordered = Passport.model_validate_json(reordered)
    from_compact = Passport.model_validate_json(compact)

    assert passport_hash(from_reordered) == passport_hash(from_compact) == passport_hash(DORE)


def test_the_passport_hash_is_the_sha256_of_the_canonical_bytes() -> None:
    assert passport_hash(ORE) == hashlib.sha256(canonical_json(ORE)).digest()
    assert len(passport_hash(ORE)) == 32
    assert passport_hash(ORE) != passport_hash(ORE.model_copy(update={"notes": "x"}))
