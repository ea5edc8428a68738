"""Fixtures for the contract tests: the roles of the supply chain, a deployed lot token, a registered mine.

Ape snapshots the chain after module-scoped fixtures and reverts it after each test, so each module deploys
once. Fixtures that change the chain beyond deployment and admission (a mine, lots) are function-scoped, so
that what a test sees never depends on which tests ran before it.
"""

from __future__ import annotations

from ast import literal_eval
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import ape
import pytest
from ape.exceptions import CustomError
from eth_utils import keccak
from hexbytes import HexBytes

# Mirrors of the Solidity enums (IFilonRegistry.Role, IFilonRegistry.MineStatus, IFilonLots.Form).
MINE_OPERATOR, PROCESSOR, REFINER, TRADER, MANUFACTURER = 1, 2, 3, 4, 5

CAPACITY_MG = 1_000_000  # one kilogram of fine gold a year
TEN_YEARS = 10 * 365 * 86_400


def passport_root(label: str) -> bytes:
    """A deterministic, non-zero 32-byte passport root."""
    return keccak(text=f"passport:{label}")


def _revert_data(raised: Any) -> bytes | None:
    """The raw revert data behind an error Ape left undecoded, when its message still carries it."""
    message = raised.revert_message
    if message.startswith("0x"):
        return HexBytes(message)
    if message.startswith(("b'", 'b"')):
        # The in-process provider stringifies revert data; Ape parses `b'...'` back but not `b"..."` (what
        # Python writes when the bytes contain a quote), so such errors reach the test undecoded.
        return bytes(literal_eval(message))
    return None


def _decoded(raised: Any, error: Any) -> Any:
    """`raised` as the custom error `error` when Ape did not decode it (deployments, some calls)."""
    if isinstance(raised, CustomError) or (data := _revert_data(raised)) is None:
        return raised
    if data[:4] != keccak(text=error.abi.selector)[:4]:
        return raised
    return error(error.abi, ape.chain.provider.network.ecosystem.decode_calldata(error.abi, data[4:]))


@contextmanager
def _strict_reverts(error: Any, **inputs: Any) -> Iterator[Any]:
    """`ape.reverts`, but the custom error must be exactly `error` with exactly `inputs` as its arguments.

    Ape's own check skips argument names it does not know and arguments not given; this one compares the
    whole decoded argument set, so a misspelt or forgotten argument fails the test.
    """
    with ape.reverts(error) as info:
        yield info
    raised = _decoded(info.value, error)
    assert type(raised).__name__ == error.__name__, f"expected {error.__name__}, got {raised!r}"
    assert dict(raised.inputs) == inputs


@ape.fixture(scope="session", chain_isolation=False, name="reverts")
def strict_reverts() -> Callable[..., Any]:
    """`with reverts(lots.UnknownMine, mineId=7): ...` — the exact custom error with all its arguments.

    On Anvil, ape-foundry drops the revert data of a failed `eth_call`: in `anvil` tests, check a view's
    revert by sending it as a transaction (`lots.ownerOf.transact(lot_id, sender=...)`).
    """
    return _strict_reverts


def _normalize(value: Any) -> Any:
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, list | tuple):
        return [_normalize(v) for v in value]
    return value


@ape.fixture(scope="session", chain_isolation=False)
def emitted() -> Callable[[Any], list[tuple[str, dict[str, Any]]]]:
    """The events of a receipt, in order, as `(name, {every argument})` pairs, for exact comparison."""

    def events(receipt: Any) -> list[tuple[str, dict[str, Any]]]:
        return [
            (log.event_name, {k: _normalize(v) for k, v in log.event_arguments.items()})
            for log in receipt.events
        ]

    return events


# ---------------------------------------------------------------- roles


@ape.fixture(scope="session", chain_isolation=False)
def registrar(accounts: Any) -> Any:
    return accounts[0]


@ape.fixture(scope="session", chain_isolation=False)
def miner(accounts: Any) -> Any:
    return accounts[1]


@ape.fixture(scope="session", chain_isolation=False)
def miner2(accounts: Any) -> Any:
    return accounts[2]


@ape.fixture(scope="session", chain_isolation=False)
def miner3(accounts: Any) -> Any:
    """A third mine operator: an address operates at most one mine, so each mine needs its own."""
    return accounts[7]


@ape.fixture(scope="session", chain_isolation=False)
def miner4(accounts: Any) -> Any:
    return accounts[8]


@ape.fixture(scope="session", chain_isolation=False)
def plant(accounts: Any) -> Any:
    return accounts[3]


@ape.fixture(scope="session", chain_isolation=False)
def refiner(accounts: Any) -> Any:
    return accounts[4]


@ape.fixture(scope="session", chain_isolation=False)
def manufacturer(accounts: Any) -> Any:
    return accounts[5]


@ape.fixture(scope="session", chain_isolation=False)
def outsider(accounts: Any) -> Any:
    return accounts[6]


# ---------------------------------------------------------------- contracts


@pytest.fixture(scope="module")
def lots(
    project: Any,
    registrar: Any,
    miner: Any,
    miner2: Any,
    miner3: Any,
    miner4: Any,
    plant: Any,
    refiner: Any,
    manufacturer: Any,
) -> Any:
    """The lot token, deployed by the registrar, with the supply chain admitted (the outsider is not):
    four mine operators (none operates a mine yet), the plant, the refiner and the manufacturer.

    The only module-scoped fixture that changes the chain: every test asks for it, so Ape snapshots it once.
    """
    contract = registrar.deploy(project.FilonLots, registrar)
    for account, role in (
        (miner, MINE_OPERATOR),
        (miner2, MINE_OPERATOR),
        (miner3, MINE_OPERATOR),
        (miner4, MINE_OPERATOR),
        (plant, PROCESSOR),
        (refiner, REFINER),
        (manufacturer, MANUFACTURER),
    ):
        contract.registerParticipant(account, role, sender=registrar)
    return contract


@ape.fixture(scope="session", chain_isolation=False)
def capacity_mg() -> int:
    """The yearly capacity of `mine_id`."""
    return CAPACITY_MG


@pytest.fixture
def permit_expiry(chain: Any) -> int:
    return chain.pending_timestamp + TEN_YEARS


@pytest.fixture
def register_mine(lots: Any, registrar: Any, permit_expiry: int) -> Callable[..., int]:
    """Registers a mine run by `operator` (who runs no mine yet) and returns its id."""

    def register(
        operator: Any,
        *,
        capacity_mg: int = CAPACITY_MG,
        country: bytes = b"PE",
        expiry: int | None = None,
        label: str = "mine",
    ) -> int:
        receipt = lots.registerMine(
            operator,
            keccak(text=f"permit:{label}"),
            permit_expiry if expiry is None else expiry,
            country,
            keccak(text=f"location:{label}"),
            capacity_mg,
            keccak(text=f"mine-passport:{label}"),
            sender=registrar,
        )
        return int(receipt.events.filter(lots.MineRegistered)[0].mineId)

    return register


@pytest.fixture
def mine_id(register_mine: Callable[..., int], miner: Any) -> int:
    """Mine 1, run by `miner`, active, with a ten-year permit and a yearly capacity of `CAPACITY_MG`."""
    return register_mine(miner)


@pytest.fixture
def declare(lots: Any, miner: Any, mine_id: int) -> Callable[..., int]:
    """Declares an ore lot (by default from `mine_id`, by `miner`) and returns its id."""

    def declare_lot(
        fine_mg: int,
        gross_mg: int | None = None,
        *,
        mine: int | None = None,
        sender: Any = None,
        root: bytes | None = None,
        uri: str = "ipfs://passport",
        ref: str = "",
    ) -> int:
        receipt = lots.declareLot(
            mine_id if mine is None else mine,
            fine_mg,
            fine_mg * 2 if gross_mg is None else gross_mg,
            passport_root(f"ore:{ref or fine_mg}") if root is None else root,
            uri,
            ref,
            sender=miner if sender is None else sender,
        )
        return int(receipt.events.filter(lots.LotDeclared)[0].lotId)

    return declare_lot
