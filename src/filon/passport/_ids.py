"""Identifiers the exports share: the `did:pkh` of an account, the URNs of lots, mines and events, timestamps.

A lot, a mine and an event are named by URNs under their `FilonLots` deployment, so the same id on two chains
or two deployments never collides: `urn:filon:eip155:<chainId>:<FilonLots address>:lot:<id>`, `...:mine:<id>`
and `...:tx:<transaction hash>[:log:<index>]`. An account is its `did:pkh` (CAIP-10).
"""

from __future__ import annotations

from datetime import UTC, datetime

from eth_utils.address import is_hex_address, to_checksum_address

from filon._errors import InvalidInput


def checked_address(value: object, name: str) -> str:
    """`value` as a checksummed address.

    Raises:
        InvalidInput: It is not a 0x-prefixed 20-byte hex address.
    """
    if isinstance(value, str) and is_hex_address(value):
        return str(to_checksum_address(value))
    raise InvalidInput(f"{name} must be a 0x-prefixed 20-byte address, got {value!r}")


def checked_chain_id(value: object) -> int:
    """`value` as an EIP-155 chain id.

    Raises:
        InvalidInput: It is not a positive int.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise InvalidInput(f"chain_id must be a positive int, got {value!r}")


def did_pkh(chain_id: int, address: str) -> str:
    """The `did:pkh` (CAIP-10) identifier of an Ethereum account: `did:pkh:eip155:<chainId>:<address>`."""
    return f"did:pkh:eip155:{checked_chain_id(chain_id)}:{checked_address(address, 'address')}"


def deployment_urn(chain_id: int, contract: str) -> str:
    """The URN of a `FilonLots` deployment, the prefix of its lots', mines' and events' URNs."""
    return f"urn:filon:eip155:{checked_chain_id(chain_id)}:{checked_address(contract, 'contract')}"


def lot_urn(chain_id: int, contract: str, lot_id: int) -> str:
    """The URI of a lot: `urn:filon:eip155:<chainId>:<FilonLots address>:lot:<id>`."""
    return f"{deployment_urn(chain_id, contract)}:lot:{lot_id}"


def iso_timestamp(value: datetime, name: str) -> str:
    """`value` in UTC as an ISO 8601 / RFC 3339 timestamp ending in `Z`.

    Raises:
        InvalidInput: `value` is not a timezone-aware datetime.
    """
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
