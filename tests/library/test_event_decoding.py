"""The event decoder reads the ABI's words itself: it must give what eth-abi gives for every well-formed log,
and refuse, with `EventDecodeError`, what eth-abi's strict mode refuses (data cut short, offsets or lengths
out of the data, non-zero padding, a uint8 out of range, bytes that are not UTF-8)."""

from __future__ import annotations

import pytest
from eth_abi.abi import encode
from hypothesis import given
from hypothesis import strategies as st
from web3 import Web3

from filon import _events
from filon._chain import Log
from filon._events import (
    EventDecodeError,
    LotDeclared,
    LotProduced,
    MineRegistered,
    PassportVersionRecorded,
    SerialAssigned,
)
from filon._types import Form, LotId, MineId

TX = b"\x07" * 32
ROOT = b"\x22" * 32
uint256 = st.integers(min_value=0, max_value=2**256 - 1)
ids = st.integers(min_value=0, max_value=2**48 - 1)


def _topic(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def _log(event: str, topics: list[int], data: bytes) -> Log:
    return {
        "address": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        "topics": [_events.topic(event), *(_topic(t) for t in topics)],
        "data": data,
        "blockNumber": 12,
        "blockHash": b"\x01" * 32,
        "logIndex": 3,
        "transactionHash": TX,
    }


@given(
    lot=ids,
    mine=ids,
    fine=uint256,
    gross=uint256,
    root=st.binary(min_size=32, max_size=32),
    uri=st.text(),
    ref=st.text(),
)
def test_lot_declared_decodes_as_eth_abi_encodes(
    lot: int, mine: int, fine: int, gross: int, root: bytes, uri: str, ref: str
) -> None:
    data = encode(["uint256", "uint256", "bytes32", "string", "string"], [fine, gross, root, uri, ref])

    event = _events.decode(_log("LotDeclared", [lot, mine], data))

    assert event == LotDeclared(12, 3, TX, LotId(lot), MineId(mine), fine, gross, root, uri, ref)


@given(
    lot=ids,
    form=st.sampled_from(list(Form)),
    fine=uint256,
    gross=uint256,
    parents=st.lists(ids, max_size=70),
    uri=st.text(),
)
def test_lot_produced_decodes_as_eth_abi_encodes(
    lot: int, form: Form, fine: int, gross: int, parents: list[int], uri: str
) -> None:
    data = encode(
        ["uint8", "uint256", "uint256", "uint256[]", "bytes32", "string"],
        [int(form), fine, gross, parents, ROOT, uri],
    )

    event = _events.decode(_log("LotProduced", [lot], data))

    assert event == LotProduced(
        12, 3, TX, LotId(lot), form, fine, gross, tuple(LotId(p) for p in parents), ROOT, uri
    )


@given(lot=ids, version=uint256, uri=st.text())
def test_passport_recorded_decodes_as_eth_abi_encodes(lot: int, version: int, uri: str) -> None:
    data = encode(["uint256", "bytes32", "string"], [version, ROOT, uri])

    event = _events.decode(_log("PassportRecorded", [lot], data))

    assert event == PassportVersionRecorded(12, 3, TX, LotId(lot), version, ROOT, uri)


@given(lot=ids, refiner=st.integers(min_value=0, max_value=2**160 - 1), serial=st.text())
def test_serial_assigned_decodes_as_eth_abi_encodes(lot: int, refiner: int, serial: str) -> None:
    event = _events.decode(_log("SerialAssigned", [lot, refiner], encode(["string"], [serial])))

    address = Web3.to_checksum_address(refiner.to_bytes(20, "big"))
    assert event == SerialAssigned(12, 3, TX, LotId(lot), address, serial)


def test_mine_registered_decodes_its_country_and_operator() -> None:
    operator = 0x14DC79964DA2C08B23698B3D3CC7CA32193D9955
    data = encode(
        ["bytes2", "bytes32", "uint256", "bytes32", "uint256", "bytes32"],
        [b"PE", b"\x01" * 32, 4_000_000_000, b"\x02" * 32, 10**9, b"\x03" * 32],
    )

    event = _events.decode(_log("MineRegistered", [7, operator], data))

    assert event == MineRegistered(
        12,
        3,
        TX,
        MineId(7),
        "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
        "PE",
        b"\x01" * 32,
        4_000_000_000,
        b"\x02" * 32,
        10**9,
        b"\x03" * 32,
    )


_DECLARED = encode(
    ["uint256", "uint256", "bytes32", "string", "string"], [1_000, 2_000, ROOT, "ipfs://x", "R"]
)
_PRODUCED = encode(
    ["uint8", "uint256", "uint256", "uint256[]", "bytes32", "string"], [2, 1, 1, [5, 6], ROOT, ""]
)


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


@pytest.mark.parametrize(
    ("event", "data", "reason"),
    [
        ("LotDeclared", _DECLARED[:64], "the data ends before its word 2"),
        (
            "LotDeclared",
            _DECLARED[:96] + _word(10**6) + _DECLARED[128:],
            "the offset 1000000 of word 3 is past",
        ),
        ("LotDeclared", _DECLARED[:-32], "1 items at offset 224 do not fit in the data"),
        ("LotDeclared", _DECLARED[:-1] + b"\x01", "the value at offset 224 has non-zero padding"),
        (
            "LotDeclared",
            _DECLARED[:160] + _word(1) + b"\xff" + bytes(31) + _DECLARED[224:],
            "'utf-8' codec can't decode byte 0xff",
        ),
        ("LotProduced", _word(256) + _PRODUCED[32:], "256 does not fit in a uint8"),
        ("LotProduced", _word(9) + _PRODUCED[32:], "9 is not a valid Form"),
        ("LotProduced", _PRODUCED[:192] + _word(2**200) + _PRODUCED[224:], "do not fit in the data"),
        ("MineRegistered", b"PEX" + bytes(29) + bytes(160), "a bytes2 value has non-zero padding"),
        (
            "SerialAssigned",
            _word(32) + _word(2) + b"\xc3" + bytes(31),
            "'utf-8' codec can't decode byte 0xc3",
        ),
    ],
)
def test_malformed_data_is_an_event_decode_error(event: str, data: bytes, reason: str) -> None:
    topics = [9, 1] if event != "LotProduced" else [9]

    with pytest.raises(EventDecodeError) as error:
        _events.decode(_log(event, topics, data))

    assert str(error.value).startswith(f"A {event} log in block 12 (index 3) cannot be decoded: ")
    assert reason in str(error.value)


def test_an_address_topic_with_high_bytes_set_is_refused() -> None:
    log = _log("Transfer", [0, 2**160 + 1, 5], b"")

    with pytest.raises(
        EventDecodeError, match=r"^A Transfer log in block 12 \(index 3\) cannot be decoded: 0x"
    ):
        _events.decode(log)
