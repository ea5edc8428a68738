"""Every revert the node can hand back decodes to the right exception: each custom error of the ABI to its own
class with its arguments, and the five fallbacks (Panic, Error(string), an unknown selector, no data,
malformed data) to a readable `ContractRevert`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from web3 import Web3

import filon
from filon._errors import decode_revert

ABI = json.loads((Path(filon.__file__).parent / "artifacts" / "FilonLots.json").read_text())["abi"]
ERRORS = sorted((item for item in ABI if item["type"] == "error"), key=lambda item: item["name"])
ADDRESS = "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
CODEC = Web3().codec

# One sample per ABI type; the uints differ per position so that a swapped argument is seen.
SAMPLES: dict[str, Any] = {
    "address": ADDRESS.lower(),
    "bytes32": bytes(range(32)),
    "bytes2": b"PE",
    "string": "REF-0141",
    "uint8": 2,
    "bool": True,
}


def _sample(abi_type: str, position: int) -> Any:
    if abi_type in SAMPLES:
        return SAMPLES[abi_type]
    assert abi_type.startswith("uint"), abi_type
    return 1000 + position


def _data(name: str, types: list[str], values: list[Any]) -> bytes:
    return bytes(Web3.keccak(text=f"{name}({','.join(types)})")[:4]) + encode(types, values)


@pytest.mark.parametrize("error", ERRORS, ids=[item["name"] for item in ERRORS])
def test_every_abi_error_decodes_to_its_class_with_its_arguments(error: dict[str, Any]) -> None:
    types = [arg["type"] for arg in error["inputs"]]
    values = [_sample(t, i) for i, t in enumerate(types)]
    data = _data(error["name"], types, values)

    decoded = decode_revert(data, CODEC)

    cls = filon.error_classes()[error["name"]]
    assert type(decoded) is cls
    assert cls is not filon.ContractRevert
    assert decoded.error_name == error["name"]
    assert decoded.data == data
    assert len(decoded.arguments) == len(types)
    for (attribute, value), abi_type, sample in zip(decoded.arguments.items(), types, values, strict=True):
        assert getattr(decoded, attribute) == value
        if abi_type == "address":
            assert value == ADDRESS
        elif abi_type == "bytes2":
            assert value == "PE"  # country codes read as text
        elif abi_type == "uint8" and error["name"] in ("MineNotActive", "InvalidMineStatusChange"):
            assert value == filon.MineStatus.SUSPENDED  # statuses read as the enum
        elif abi_type == "uint8" and error["name"] == "NotRefinedLot":
            assert value is filon.Form.DORE  # forms read as the enum
        else:
            assert value == sample
    message = str(decoded)
    assert "\n" not in message and "{" not in message
    assert message != "The contract reverted."


@pytest.mark.parametrize(
    ("signature", "types", "values", "cls", "arguments", "message"),
    [
        (
            "ERC721InvalidOwner",
            ["address"],
            [ADDRESS],
            filon.InvalidOwner,
            {"owner": ADDRESS},
            f"{ADDRESS} is not a valid lot holder.",
        ),
        (
            "ERC721InvalidReceiver",
            ["address"],
            [ADDRESS],
            filon.InvalidReceiver,
            {"receiver": ADDRESS},
            f"{ADDRESS} cannot receive lots.",
        ),
        (
            "ERC721InvalidOperator",
            ["address"],
            [ADDRESS],
            filon.InvalidOperator,
            {"operator": ADDRESS},
            f"{ADDRESS} cannot be approved as an operator.",
        ),
        (
            "ERC721InvalidApprover",
            ["address"],
            [ADDRESS],
            filon.InvalidApprover,
            {"approver": ADDRESS},
            f"{ADDRESS} cannot approve this lot.",
        ),
        (
            "ERC721NonexistentToken",
            ["uint256"],
            [501],
            filon.NonexistentLot,
            {"lot_id": 501},
            "Lot 501 does not exist (never minted, or consumed).",
        ),
        (
            "StringTooLong",
            ["string"],
            ["x" * 40],
            filon.StringTooLong,
            {"string": "x" * 40},
            f"String {'x' * 40!r} is too long.",
        ),
        (
            "StringsInsufficientHexLength",
            ["uint256", "uint256"],
            [4096, 1],
            filon.HexLengthInsufficient,
            {"value": 4096, "length": 1},
            "4096 does not fit in 1 hex digits.",
        ),
        (
            "Panic",
            ["uint256"],
            [0x11],
            filon.ContractPanic,
            {"code": 0x11},
            "The contract panicked with code 0x11 (an arithmetic overflow or underflow).",
        ),
        (
            "Panic",
            ["uint256"],
            [0x99],
            filon.ContractPanic,
            {"code": 0x99},
            "The contract panicked with code 0x99.",
        ),
    ],
)
def test_rarely_seen_errors_read_exactly(
    signature: str,
    types: list[str],
    values: list[Any],
    cls: type[filon.ContractRevert],
    arguments: dict[str, Any],
    message: str,
) -> None:
    decoded = decode_revert(_data(signature, types, values), CODEC)
    assert type(decoded) is cls
    assert decoded.arguments == arguments
    assert str(decoded) == message


UNKNOWN = _data("NotAFilonError", ["uint256"], [1])
TRUNCATED = _data("UnknownLot", ["uint256"], [7])[:5]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_data("Error", ["string"], ["not allowed"]), "The contract reverted: not allowed"),
        (UNKNOWN, f"The contract reverted with unknown error data 0x{UNKNOWN.hex()}."),
        (b"", "The contract reverted without a reason."),
        # a known selector whose arguments are cut short, and an Error(string) that is not a string
        (TRUNCATED, f"The contract reverted with undecodable data 0x{TRUNCATED.hex()}."),
        (
            bytes.fromhex("08c379a0") + b"\xff" * 5,
            "The contract reverted with undecodable data 0x08c379a0ffffffffff.",
        ),
    ],
    ids=["error-string", "unknown-selector", "empty", "truncated", "malformed-string"],
)
def test_fallbacks_are_plain_reverts_that_say_what_came(data: bytes, message: str) -> None:
    decoded = decode_revert(data, CODEC)
    assert type(decoded) is filon.ContractRevert
    assert decoded.arguments == {}
    assert decoded.data == data
    assert str(decoded) == message
