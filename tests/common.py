"""Constants and raw-RPC helpers every chain test uses (the session Anvil node `anvil` is in conftest.py)."""

from __future__ import annotations

from typing import Any

from web3 import HTTPProvider, Web3
from web3.types import RPCEndpoint

CAPACITY_MG = 1_000_000  # one kilogram of fine gold a year
DAY = 86_400
TEN_YEARS = 10 * 365 * DAY
FAR_FUTURE = 4_000_000_000  # a permit expiry (Unix time, in 2096) no test reaches
PERMIT_HASH = b"\x01" * 32
LOCATION_HASH = b"\x02" * 32


def root(label: str) -> bytes:
    """A deterministic, non-zero 32-byte passport root."""
    return Web3.keccak(text=f"passport:{label}")


def rpc(url: str, method: str, *params: Any) -> Any:
    """A raw JSON-RPC call (Anvil's evm_* and anvil_* methods); an error answer fails the test."""
    response = HTTPProvider(url).make_request(RPCEndpoint(method), list(params))
    assert "error" not in response, response
    return response["result"]


def statements_sent(index: Any, read: Any) -> int:
    """How many SQL statements `read()` sends to the database of `index` (a `filon.index.Index`)."""
    from sqlalchemy import event

    sent: list[str] = []

    def count(*args: object) -> None:
        sent.append(str(args[2]))

    event.listen(index.engine, "before_cursor_execute", count)
    try:
        read()
    finally:
        event.remove(index.engine, "before_cursor_execute", count)
    return len(sent)
