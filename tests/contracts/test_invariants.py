"""Stateful fuzzing of FilonLots against a Python model, checking the six invariants of DESIGN.md.

A Hypothesis `RuleBasedStateMachine` drives the registrar, four mine operators, the plant, the refiner, the
manufacturer, an outsider, an ERC-721 operator (never admitted) and a smart-contract wallet (an admitted
trader that implements ERC-1271 but not `onERC721Received`) through random sequences of registry and lot
operations: admissions and removals; grants, revocations and renunciations of the registrar and admin roles;
mines registered, suspended, revoked, their capacity, permit and passport changed; lots declared by their
operator or signed off-chain (EIP-712, `filon.sign_declaration`) and relayed by anyone to the operator or
another holder, declarations cancelled (keyed nonces); transfers, safe transfers (both overloads), approvals,
transformations from 1x1 up to `MAX_TRANSFORM_LOTS` inputs or outputs and across the 100-id block boundary,
passports (and zero roots), attestations, bars' serial numbers; and moves of the chain's clock to the last
second of a year, the first of the next, the last second of a permit or the first after it. Each rule
predicts, from a small model, either success (and the exact events, every argument) or the exact custom error
with all its arguments, and compares with what the chain did. The model keeps its own clock (blocks a second
apart) and computes calendar years with Python's datetime, never with the contract's CalendarYear: a mine's
capacity is counted per (mine, UTC calendar year).

After every step, one JSON-RPC batch reads back from the chain whatever the step touched: lot records,
`getApproved`, balances, each touched mine field by field (permit expiry and hashes, declared this year,
year), `lotByExternalRef`, `nonces`, `isApprovedForAll`, `hasRole`, `lotBySerial` and `serialOf`; and checks
on chain values, not the model's, that a mine that just declared is within its capacity, that a
transformation's outputs hold at most what its inputs held, and that every account that received a lot is
admitted with a role that holds lots. After every example, a full sweep of every lot (with `ownerOf`),
balance, mine, role, attestation, operator approval and the clock.

**The chain is a real Anvil node, not Ape's in-process EVM**, although the issue asked for the in-process
provider "for speed": measured on the same 2-core machine, the in-process EVM runs this machine at 11-14 steps
a second (~90 ms a transaction through Ape, ~25 ms a view call), Anvil at 200+ steps a second on an idle
machine. The bytecode is Ape's compile of contracts/ (the `project` fixture), deployed through web3.py's HTTP
provider on `filon.devchain.start_anvil`; Anvil's dev accounts are unlocked and the wallet impersonated, so
nothing but declarations is signed in Python. Anvil mines each block one second after the one before
(`anvil_setBlockTimestampInterval`), so the model knows the time of the next transaction. Each call is first
run as `eth_call` on the pending block, which yields the exact revert data; only calls that succeed are sent,
with a fixed gas limit (Anvil's estimate runs at the latest block, which, across a new year, is short of what
the first declaration of the year uses). The seed (two mines, a few lots, the operator approved for the
plant's lots, the plant at the very end of its block of lot ids) is made once per module; every example starts
from a snapshot of it (`evm_revert`, ~1 ms).

Profiles: the default (run by `make test`, 200 x 30), `FILON_FUZZ=long` (2,000 x 50) for nightly runs;
`CI=true` derandomizes so CI is reproducible. For measuring: `FILON_FUZZ_EXAMPLES`, `FILON_FUZZ_STEPS`,
`FILON_FUZZ_NO_SHRINK=1`, and `FILON_FUZZ_STATS=1` (with `-s`) prints steps, steps/s, requests and the
transactions tried by function. Measured with load from other jobs on the 2-core machine (load average
3.7-4.3), the default takes 53-62 s at 81-97 steps/s (before these rule families: 62 s at 91 steps/s under the
same load); the whole file, with the eleven wrong models, 77 s (before: 91 s, of which 33 s for the
approval-for-all model alone).

The machine can fail: `test_the_fuzzer_finds_a_model_that_disagrees_with_the_contract` runs it against eleven
deliberately wrong models, one per family of rules (a mine's declarations forgotten when checking its
capacity; `setApprovalForAll` forgotten; a relayed declaration not counted against capacity; a cancelled nonce
still usable; no new-year reset; an expired permit still declaring; `setMinePassport` ignored; only the
deployer ever a registrar; safe transfers to a contract without `onERC721Received` accepted; lot ids running
on past the end of a block; zero passport roots accepted), each focused on the rules of its family
(`FilonMachine.focus`), so that detection does not hang on where the derandomized sequence goes: each is found
in 0.1-3 s. It also finds contract bugs: with FilonLots' capacity check loosened by one milligram (`fineGoldMg
> remaining + 1` in `_useMineCapacity`), `CI=true FILON_FUZZ_NO_SHRINK=1 python -m pytest -q
tests/contracts/test_invariants.py --network ethereum:local:test` fails (49 s with the recompile: "predicted
CapacityExceeded ..., chain succeeded"). Declarations of exactly the remaining capacity and of one milligram
more (the `amount` of `declare` and `submitDeclaration`) are what reach that edge: random masses alone did not
in 200 examples.
"""

from __future__ import annotations

import copy
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from typing import Any, ClassVar

import pytest
import requests
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from web3 import HTTPProvider
from web3.types import RPCEndpoint

import filon
from filon.devchain import dev_accounts, start_anvil

ZERO = "0x0000000000000000000000000000000000000000"
ZERO_HASH = bytes(32)
REGISTRAR_ROLE = keccak(text="REGISTRAR_ROLE")
ADMIN_ROLE = ZERO_HASH  # AccessControl's DEFAULT_ADMIN_ROLE
ADMIN_ROLES = {"registrar": REGISTRAR_ROLE, "admin": ADMIN_ROLE}
TEN_YEARS = 10 * 365 * 86_400
UINT32_MAX = 2**32 - 1  # a permit expiry is packed into 32 bits
GAS_LIMIT = hex(15_000_000)  # enough for the largest transformation (64 inputs or outputs), below a block's
LOT_ID_BLOCK = 100
MAX_TRANSFORM_LOTS = 64
UNKNOWN_LOT = 999_999
# IFilonRegistry.MineStatus
ACTIVE, SUSPENDED, REVOKED = 1, 2, 3
# IFilonRegistry.Role: the supply chain holds lots, the attesters (auditor, laboratory) never do.
MINE_OPERATOR, REFINER, TRADER, AUDITOR, LABORATORY = 1, 3, 4, 6, 7
REFINED = 3  # IFilonLots.Form
MAX_SERIAL_LENGTH = 64
ATTESTER_ROLES = {AUDITOR, LABORATORY}
HOLDING_ROLES = {1, 2, 3, 4, 5}
LOT_SUBJECT, MINE_SUBJECT = 1, 2

# ---------------------------------------------------------------- profiles

_LONG = os.environ.get("FILON_FUZZ") == "long"
_CI = os.environ.get("CI", "").lower() == "true"
# On Anvil, 200 examples x 30 steps take about a minute on a loaded 2-core machine (module docstring).
settings.register_profile(
    "filon-default",
    max_examples=200,
    stateful_step_count=30,
    deadline=None,
    derandomize=_CI,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "filon-long",
    max_examples=2_000,
    stateful_step_count=50,
    deadline=None,
    derandomize=_CI,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
PROFILE = settings.get_profile("filon-long" if _LONG else "filon-default")
if "FILON_FUZZ_EXAMPLES" in os.environ or "FILON_FUZZ_STEPS" in os.environ:  # for measuring
    PROFILE = settings(
        PROFILE,
        max_examples=int(os.environ.get("FILON_FUZZ_EXAMPLES", PROFILE.max_examples)),
        stateful_step_count=int(os.environ.get("FILON_FUZZ_STEPS", PROFILE.stateful_step_count)),
    )
if os.environ.get("FILON_FUZZ_NO_SHRINK"):
    PROFILE = settings(PROFILE, phases=[Phase.generate])

# ---------------------------------------------------------------- actors

ACTOR_INDEX = {
    "registrar": 0,
    "miner": 1,
    "miner2": 2,
    "plant": 3,
    "refiner": 4,
    "manufacturer": 5,
    "outsider": 6,
    "miner3": 7,
    "miner4": 8,
    "operator": 9,  # an ERC-721 approved operator, never admitted
    # A smart-contract wallet (contracts/mocks/OperatorWallet.sol: ERC-1271, no `onERC721Received`), admitted
    # as a trader: it holds lots, refuses safe transfers, and as a mine operator signs through its owner's key
    # (dev account 10). Anvil impersonates it, so it sends transactions like the others.
    "wallet": 10,
}
WALLET_OWNER_INDEX = 10
# Roles the `anvil_lots` fixture admits (IFilonRegistry.Role).
INITIAL_ROLES = {
    "miner": 1,
    "miner2": 1,
    "miner3": 1,
    "miner4": 1,
    "plant": 2,
    "refiner": 3,
    "manufacturer": 5,
    "wallet": TRADER,
}
PARTIES = [name for name in ACTOR_INDEX if name != "registrar"]
OPERATOR_CANDIDATES = ["miner", "miner2", "miner3", "miner4", "plant", "outsider", "wallet"]
REGISTRAR_CALLERS = ["registrar", "registrar", "registrar", "outsider"]
# The wallet twice more: safe transfers to it are the ones that fail for want of `onERC721Received`.
RECEIVERS = [*PARTIES, "wallet", "wallet"]
REFS = ["", "", "", "R1", "R2"]
NONCE_KEYS = (0, 1, 2)  # key 0 is the plain sequential nonce of OpenZeppelin's Nonces

parties = st.sampled_from(PARTIES)
picks = st.integers(min_value=0, max_value=10_000)
# One draw in ten gives a zero passport root, refused everywhere a root is written.
blanks = st.integers(0, 9)


def utc_year(timestamp: int) -> int:
    """The calendar year (UTC) of a Unix time, by Python's own calendar, not the contract's CalendarYear."""
    return datetime.fromtimestamp(timestamp, tz=UTC).year


def next_new_year(timestamp: int) -> int:
    """The Unix time of the first second of the calendar year after the one `timestamp` falls in."""
    return int(datetime(utc_year(timestamp) + 1, 1, 1, tzinfo=UTC).timestamp())


# ---------------------------------------------------------------- the chain: Anvil over raw JSON-RPC


def _abi_type(param: dict[str, Any]) -> str:
    """The canonical ABI type of a parameter, tuples spelled out: `(uint8,uint256,uint256)[]`."""
    kind: str = param["type"]
    if kind.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in param["components"]) + ")" + kind[len("tuple") :]
    return kind


def _decoded(params: list[dict[str, Any]], values: Any) -> list[Any]:
    """Values as Ape shows them: checksummed addresses, bytes, lists for arrays and tuples."""
    return [_value(param, value) for param, value in zip(params, values, strict=True)]


def _value(param: dict[str, Any], value: Any) -> Any:
    kind: str = param["type"]
    if kind.endswith("[]"):
        item = {**param, "type": kind[:-2]}
        return [_value(item, v) for v in value]
    if kind == "tuple":
        return dict(
            zip((c["name"] for c in param["components"]), _decoded(param["components"], value), strict=True)
        )
    if kind == "address":
        return to_checksum_address(value)
    if isinstance(value, bytes):
        return bytes(value)
    return value


Events = list[tuple[str, dict[str, Any]]]
# A view call and what checks its result: (function, arguments, check).
Check = tuple[str, tuple[Any, ...], Callable[[Any], None]]


class RpcFailed(AssertionError):
    """The node answered a request with an error that is not a contract revert."""


class AnvilLots:
    """FilonLots on an Anvil node, driven over raw JSON-RPC through web3.py's HTTP provider.

    Anvil's dev accounts are unlocked, so `eth_sendTransaction` needs no signing in Python. A call is first
    run as `eth_call` on the pending block: a revert there gives the exact revert data (a reverting
    transaction is never sent); otherwise the transaction is sent, automined, and its receipt's logs decoded.
    """

    def __init__(self, url: str, abi: list[dict[str, Any]], accounts: list[str]) -> None:
        self.url = url
        session = requests.Session()
        # Not the environment's proxy settings: requests reads them on every request (~0.6 ms each here).
        session.trust_env = False
        self.provider = HTTPProvider(url, session=session)
        self.accounts = accounts  # unlocked (Anvil holds their keys) or impersonated
        self.address = ""  # FilonLots
        self.chain_id = 0
        self.keys: dict[
            str, LocalAccount
        ] = {}  # the keys that sign declarations, by the address they sign for
        self.seeded = ""  # a snapshot of the chain once seeded (`_start`)
        names = [item["name"] for item in abi if item.get("type") == "function"]
        # By name, and every function also by signature: overloaded ones (safeTransferFrom, nonces) only so.
        self.functions = {self._signature(item): item for item in abi if item.get("type") == "function"} | {
            item["name"]: item
            for item in abi
            if item.get("type") == "function" and names.count(item["name"]) == 1
        }
        # Each function's selector and argument types, computed once (a keccak per call adds up).
        self.encoders = {
            key: (self._selector(item), [_abi_type(p) for p in item["inputs"]])
            for key, item in self.functions.items()
        }
        self.errors = {self._selector(item): item for item in abi if item.get("type") == "error"}
        self.events = {
            keccak(text=self._signature(item)): item for item in abi if item.get("type") == "event"
        }
        # For measuring (FILON_FUZZ_STATS=1 prints them): transactions mined, calls that reverted, requests.
        self.mined = self.reverted = self.requests = self.receipt_polls = 0
        self.sent: Counter[str] = Counter()  # transactions tried, by function
        self.refusals: Counter[str] = Counter()  # reverts, by custom error

    @staticmethod
    def _signature(item: dict[str, Any]) -> str:
        return f"{item['name']}({','.join(_abi_type(p) for p in item['inputs'])})"

    def _selector(self, item: dict[str, Any]) -> bytes:
        return keccak(text=self._signature(item))[:4]

    # ------------------------------------------------------------ JSON-RPC

    def rpc(self, method: str, *params: Any) -> Any:
        self.requests += 1
        response = self.provider.make_request(RPCEndpoint(method), list(params))
        if "error" in response:
            raise RpcFailed(f"{method}: {response['error']}")
        return response["result"]

    def batch(self, requests: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """The raw responses (`result` or `error`) of `requests`, in one HTTP round trip."""
        self.requests += len(requests)
        responses = self.provider.make_batch_request([(RPCEndpoint(m), p) for m, p in requests])
        assert isinstance(responses, list) and len(responses) == len(requests), responses
        return [dict(r) for r in responses]

    # ------------------------------------------------------------ encoding

    def calldata(self, function: str, args: tuple[Any, ...]) -> str:
        selector, types = self.encoders[function]
        return "0x" + (selector + abi_encode(types, list(args))).hex()

    def error_of(self, data: bytes) -> tuple[str, dict[str, Any]]:
        """`(name, {argument: value})` of the custom error in revert `data`."""
        item = self.errors.get(data[:4])
        if item is None:
            return "<undecoded>", {"data": "0x" + data.hex()}
        values = abi_decode([_abi_type(p) for p in item["inputs"]], data[4:])
        return item["name"], dict(
            zip((p["name"] for p in item["inputs"]), _decoded(item["inputs"], values), strict=True)
        )

    def events_of(self, receipt: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """The receipt's logs as `(name, {every argument})`, in order (the contract emits all of them)."""
        events = []
        for log in receipt["logs"]:
            assert to_checksum_address(log["address"]) == self.address, log
            topics = [bytes.fromhex(t[2:]) for t in log["topics"]]
            item = self.events[topics[0]]
            indexed = [p for p in item["inputs"] if p["indexed"]]
            plain = [p for p in item["inputs"] if not p["indexed"]]
            values: dict[str, Any] = {}
            for param, topic in zip(indexed, topics[1:], strict=True):
                values[param["name"]] = _value(param, abi_decode([_abi_type(param)], topic)[0])
            data = abi_decode([_abi_type(p) for p in plain], bytes.fromhex(log["data"][2:]))
            values.update(zip((p["name"] for p in plain), _decoded(plain, data), strict=True))
            events.append((item["name"], {p["name"]: values[p["name"]] for p in item["inputs"]}))
        return events

    # ------------------------------------------------------------ the contract

    def deploy(self, bytecode: bytes, sender: str, constructor: bytes) -> str:
        """Deploys a contract; returns its address."""
        tx = {"from": sender, "data": "0x" + (bytecode + constructor).hex()}
        receipt = self.receipt(self.rpc("eth_sendTransaction", tx))
        assert receipt["status"] == "0x1", receipt
        return to_checksum_address(receipt["contractAddress"])

    def receipt(self, transaction_hash: str) -> dict[str, Any]:
        """The receipt of a sent transaction: automining answers `eth_sendTransaction` as soon as the
        transaction is in the pool, and mines its block a moment later."""
        deadline = time.monotonic() + 10
        while (receipt := self.rpc("eth_getTransactionReceipt", transaction_hash)) is None:
            self.receipt_polls += 1
            assert time.monotonic() < deadline, f"{transaction_hash} not mined within 10 s"
            time.sleep(0.0005)
        return dict(receipt)

    def transact(self, function: str, args: tuple[Any, ...], sender: str) -> tuple[str, Any]:
        """`("reverted", error)` if the call reverts, else `("mined", events)` of the mined transaction."""
        self.sent[function.split("(")[0]] += 1
        # A fixed gas limit, not Anvil's estimate: the estimate runs at the latest block, and a transaction
        # that is the first of a new calendar year (the mine's capacity opens afresh: more storage read and
        # written) would then run out of gas, though the pending block's call succeeded.
        tx = {"from": sender, "to": self.address, "data": self.calldata(function, args), "gas": GAS_LIMIT}
        (call,) = self.batch([("eth_call", [tx, "pending"])])
        if "error" in call:
            error = call["error"]
            data = error.get("data")
            assert isinstance(data, str) and data.startswith("0x"), f"{function}: no revert data in {error}"
            self.reverted += 1
            name, arguments = self.error_of(bytes.fromhex(data[2:]))
            self.refusals[name] += 1
            return "reverted", (name, arguments)
        self.mined += 1
        receipt = self.receipt(self.rpc("eth_sendTransaction", tx))
        assert receipt["status"] == "0x1", f"{function}{args}: eth_call succeeded, the transaction reverted"
        return "mined", self.events_of(receipt)

    def views(self, calls: list[tuple[str, tuple[Any, ...]]]) -> list[Any]:
        """The decoded results of view calls, in one JSON-RPC batch (a struct as a dict by field name, several
        return values as a tuple)."""
        if not calls:
            return []
        requests = [
            ("eth_call", [{"to": self.address, "data": self.calldata(f, args)}, "latest"])
            for f, args in calls
        ]
        results = []
        for (function, args), response in zip(calls, self.batch(requests), strict=True):
            assert "error" not in response, f"{function}{args}: {response['error']}"
            outputs = self.functions[function]["outputs"]
            values = abi_decode([_abi_type(p) for p in outputs], bytes.fromhex(response["result"][2:]))
            decoded = _decoded(outputs, values)
            results.append(decoded[0] if len(decoded) == 1 else tuple(decoded))
        return results

    def timestamp(self) -> int:
        return int(self.rpc("eth_getBlockByNumber", "latest", False)["timestamp"], 16)

    def mine_empty_block(self, timestamp: int) -> None:
        """Moves the clock: an empty block at `timestamp` (later blocks follow it a second apart)."""
        responses = self.batch([("evm_setNextBlockTimestamp", [timestamp]), ("evm_mine", [])])
        assert all("error" not in response for response in responses), responses

    def snapshot(self) -> str:
        return str(self.rpc("evm_snapshot"))

    def revert(self, snapshot: str) -> None:
        assert self.rpc("evm_revert", snapshot) is True


# ---------------------------------------------------------------- the machine

RuleFunction = Callable[..., None]


def focusable(**strategies: Any) -> Callable[[RuleFunction], RuleFunction]:
    """`rule(**strategies)`, left out when the machine is focused on other rules (`FilonMachine.focus`)."""

    def decorate(function: RuleFunction) -> RuleFunction:
        name = function.__name__

        def in_focus(machine: FilonMachine) -> bool:
            return machine.focus is None or name in machine.focus

        ruled: RuleFunction = rule(**strategies)(function)
        focused: RuleFunction = precondition(in_focus)(ruled)
        return focused

    return decorate


class FilonMachine(RuleBasedStateMachine):
    """Model of the registry and the lots; each rule sends one transaction and checks the prediction."""

    chain: ClassVar[AnvilLots]
    base_snapshot: ClassVar[str]
    seed: ClassVar[dict[str, Any]] = {}
    # Lots the seed consumed: nothing changes them any more, so the per-example sweep leaves them out.
    seed_consumed: ClassVar[frozenset[int]] = frozenset()
    # The keys that sign declarations, by signing address (the wallet's is its owner's), and the domain.
    keys: ClassVar[dict[str, LocalAccount]] = {}
    domain: ClassVar[filon.DeclarationDomain]
    # The rules a wrong model's test runs (None: all): those that reach what the model gets wrong.
    focus: ClassVar[frozenset[str] | None] = None

    def __init__(self) -> None:
        super().__init__()
        cls = type(self)
        self.chain.revert(cls.base_snapshot)
        cls.base_snapshot = self.chain.snapshot()
        self.addr = {name: self.chain.accounts[i] for name, i in ACTOR_INDEX.items()}
        self.name_of = {a: n for n, a in self.addr.items()}
        self.role = {self.addr[n]: INITIAL_ROLES.get(n, 0) for n in ACTOR_INDEX}
        # Who holds AccessControl's registrar and admin roles: the deployer holds both.
        self.registrars = {self.addr["registrar"]}
        self.admins = {self.addr["registrar"]}
        # Accounts with code and no `onERC721Received`: safe transfers to them fail.
        self.contracts = {self.addr["wallet"]}
        # Mines: id -> {operator, capacity, status, ore (all it ever declared), country, permit expiry,
        # hashes}; operator address -> mine id (for good); (mine id, calendar year) -> fine gold declared.
        self.mines: dict[int, dict[str, Any]] = {}
        self.mine_of: dict[str, int] = {}
        self.declared_in: dict[tuple[int, int], int] = {}
        # Lots: id -> {holder (ZERO once consumed), fine, mine, parents, version, root, form, consumed}.
        self.lot: dict[int, dict[str, Any]] = {}
        self.approved: dict[int, str] = {}
        self.for_all: set[tuple[str, str]] = set()
        self.balance = {a: 0 for a in self.role}
        self.refs: dict[tuple[str, str], int] = {}
        self.nonces: dict[tuple[str, int], int] = {}  # (signer, nonce key) -> its next sequence number
        # Lot id blocks: global counter and, per holder, (next id, ids left).
        self.id_blocks = 0
        self.id_cursor: dict[str, tuple[int, int]] = {}
        self.declared_total = 0
        self.seen_versions: dict[int, int] = {}
        self.origins: dict[int, frozenset[int]] = {}  # lot id -> the mines it comes from
        self.attestations: dict[bytes, tuple[str, bool]] = {}  # credential hash -> (attester, revoked)
        self.serials: dict[int, str] = {}  # lot id -> its serial number
        self.serial_lots: dict[tuple[str, str], int] = {}  # (refiner, serial) -> the lot it went to
        self.counter = 0
        # The chain's clock: the latest block's time. Anvil mines each transaction one second after the block
        # before (the fixture sets its block interval), so the model knows when the next one runs.
        self.now = 0
        # What the last step touched, read back from the chain by the next invariants.
        self.touched_lots: set[int] = set()
        self.touched_mines: set[int] = set()
        self.touched_accounts: set[str] = set()  # holders whose balance changed (lots they gave away)
        self.touched_refs: set[tuple[str, str]] = set()
        self.touched_serials: set[tuple[str, str, int]] = set()  # (caller, serial, lot id) of an assignment
        self.touched_nonces: set[tuple[str, int]] = set()
        self.touched_for_all: set[tuple[str, str]] = set()
        self.touched_roles: set[tuple[bytes, str]] = set()
        self.received: set[str] = set()  # accounts that received a lot: their role is read from the chain
        self.declared_mines: set[int] = set()  # mines that just declared: within capacity on the chain
        self.transformed: list[tuple[int, list[int]]] = []  # (inputs' fine gold on the chain, output ids)
        # (call, events it emitted, events the model expects), checked by the next invariant.
        self.pending_events: list[tuple[str, Events, Events]] = []
        if cls.seed:
            # Start from the seeded chain state (mines and lots made before the snapshot), not from scratch.
            # The lots the seed consumed never change again: they are shared, not copied.
            lots = cls.seed["lot"]
            self.__dict__.update(
                copy.deepcopy({name: value for name, value in cls.seed.items() if name != "lot"})
            )
            self.lot = {i: lot if i in cls.seed_consumed else copy.deepcopy(lot) for i, lot in lots.items()}
        else:
            self.now = self.chain.timestamp()

    # ------------------------------------------------------------ helpers

    def _root(self, blank: int = 1) -> bytes:
        """A fresh passport root, or the zero root when `blank` is 0."""
        self.counter += 1
        return ZERO_HASH if blank == 0 else keccak(text=f"fuzz-passport:{self.counter}")

    def _hash(self, kind: str) -> bytes:
        self.counter += 1
        return keccak(text=f"{kind}:{self.counter}")

    def _root_error(self, root: bytes) -> tuple[str, dict[str, Any]] | None:
        return ("EmptyPassportRoot", {}) if root == ZERO_HASH else None

    def _next_time(self) -> int:
        """The timestamp of the block the next transaction is mined in."""
        return self.now + 1

    def _send(
        self,
        method: str,
        *args: Any,
        sender: str,
        error: tuple[str, dict[str, Any]] | None,
        events: Events | None = None,
    ) -> bool:
        """Sends it; asserts it reverts with exactly `error`, or succeeds when `error` is None."""
        outcome, got = self.chain.transact(method, args, self.addr[sender])
        if outcome == "reverted":
            assert error is not None, f"{method}{args} by {sender}: predicted success, chain reverted {got}"
            assert got == error, f"{method}{args} by {sender}: predicted {error}, chain reverted {got}"
            return False
        self.now += 1
        assert error is None, f"{method}{args} by {sender}: predicted {error}, chain succeeded"
        self.pending_events.append((f"{method}{args} by {sender}", got, events or []))
        return True

    def _pick_lot(self, pick: int) -> int:
        """Mostly a live lot; now and then any lot ever minted (consumed ones too), or one never minted."""
        if not self.lot or pick >= 9_500:
            return UNKNOWN_LOT
        live = sorted(i for i, lot in self.lot.items() if not lot["consumed"])
        ids = live if live and pick < 8_000 else sorted(self.lot)
        return ids[pick % len(ids)]

    def _not_live(self, lot_id: int) -> tuple[str, dict[str, Any]]:
        if lot_id not in self.lot:
            return "UnknownLot", {"lotId": lot_id}
        return "LotConsumed", {"lotId": lot_id}

    def _holder(self, lot_id: int) -> str:
        return self.lot[lot_id]["holder"] if lot_id in self.lot else ZERO

    def _authorized(self, holder: str, spender: str, lot_id: int) -> bool:
        return spender == holder or (holder, spender) in self.for_all or self.approved.get(lot_id) == spender

    def _declared_this_year(self, mine_id: int, year: int) -> int:
        return self.declared_in.get((mine_id, year), 0)

    def _remaining_capacity(self, mine_id: int, year: int) -> int:
        """What the mine may still declare in calendar year `year`: its capacity less that year's ore."""
        return int(self.mines[mine_id]["capacity"] - self._declared_this_year(mine_id, year))

    def _permit_expired(self, mine_id: int, when: int) -> bool:
        return bool(when > self.mines[mine_id]["permit_expiry"])

    def _count_declaration(self, mine_id: int, year: int, fine: int, relayed: bool) -> None:
        """Counts `fine` mg against the mine's capacity for `year` (relayed or not: the same capacity)."""
        self.declared_in[mine_id, year] = self._declared_this_year(mine_id, year) + fine

    def _use_nonce(self, signer: str, key: int, cancelled: bool) -> None:
        """A submitted or cancelled declaration uses up the signer's next nonce under `key`."""
        self.nonces[signer, key] = self.nonces.get((signer, key), 0) + 1

    def _update_mine(self, mine_id: int, **fields: Any) -> None:
        self.mines[mine_id].update(fields)
        self.touched_mines.add(mine_id)

    def _accepts_lots(self, account: str) -> bool:
        """Whether a safe transfer to `account` passes the receiver check (an EOA, or a contract that
        implements `onERC721Received`)."""
        return account not in self.contracts

    def _next_id(self, holder: str) -> int:
        nxt, left = self.id_cursor.get(holder, (0, 0))
        if left == 0:
            nxt, left = self.id_blocks * LOT_ID_BLOCK + 1, LOT_ID_BLOCK
            self.id_blocks += 1
        self.id_cursor[holder] = (nxt + 1, left - 1)
        return nxt

    def _predict_ids(self, holder: str, count: int) -> list[int]:
        """The ids the next `count` lots minted to `holder` take, without committing the model's cursor."""
        saved = (self.id_blocks, dict(self.id_cursor))
        ids = [self._next_id(holder) for _ in range(count)]
        self.id_blocks, self.id_cursor = saved
        return ids

    def _mint(self, holder: str, **fields: Any) -> int:
        lot_id = self._next_id(holder)
        assert lot_id not in self.lot, f"lot id {lot_id} minted twice"
        self.lot[lot_id] = {"holder": holder, "version": 1, "consumed": False, **fields}
        self.balance[holder] += 1
        self.received.add(holder)
        self.touched_lots.add(lot_id)
        return lot_id

    def _can_hold(self, account: str) -> bool:
        return self.role[account] in HOLDING_ROLES

    def _cannot_hold(self, account: str) -> tuple[str, dict[str, Any]]:
        """Why `account` cannot receive a lot: not admitted, or admitted as an attester."""
        role = self.role[account]
        if role == 0:
            return "NotParticipant", {"account": account}
        return "AttesterCannotHold", {"account": account, "role": role}

    def _registrar_guard(self, caller: str) -> tuple[str, dict[str, Any]] | None:
        if self.addr[caller] not in self.registrars:
            return "AccessControlUnauthorizedAccount", {
                "account": self.addr[caller],
                "neededRole": REGISTRAR_ROLE,
            }
        return None

    # ------------------------------------------------------------ registry rules

    @focusable(
        caller=st.sampled_from(REGISTRAR_CALLERS),
        who=st.one_of(parties, st.just("registrar")),
        role=st.integers(0, 7),
    )
    def register_participant(self, caller: str, who: str, role: int) -> None:
        """The registrar itself is sometimes the one to admit: separation of duties refuses it (and anyone
        granted the registrar or admin role). An account that holds lots cannot become an attester."""
        account = self.addr[who]
        error = self._registrar_guard(caller) or (("InvalidRole", {"role": 0}) if role == 0 else None)
        if error is None and account in self.registrars | self.admins:
            error = ("RegistrarCannotParticipate", {"account": account})
        if error is None and role in ATTESTER_ROLES and self.balance[account] > 0:
            error = ("AttesterCannotHold", {"account": account, "role": role})
        events = [("ParticipantRegistered", {"account": account, "role": role})]
        if self._send("registerParticipant", account, role, sender=caller, error=error, events=events):
            self.role[account] = role

    @focusable(caller=st.sampled_from(REGISTRAR_CALLERS), who=parties)
    def remove_participant(self, caller: str, who: str) -> None:
        account = self.addr[who]
        error = self._registrar_guard(caller)
        if error is None and self.role[account] == 0:
            error = ("NotParticipant", {"account": account})
        if self._send(
            "removeParticipant",
            account,
            sender=caller,
            error=error,
            events=[("ParticipantRemoved", {"account": account})],
        ):
            self.role[account] = 0

    @focusable(
        caller=st.sampled_from(["registrar", "registrar", "outsider"]),
        action=st.sampled_from(["grantRole", "grantRole", "revokeRole", "renounceRole"]),
        role=st.sampled_from(["registrar", "registrar", "admin"]),
        who=st.sampled_from(["outsider", "outsider", "operator", "plant", "registrar"]),
    )
    def change_admin_role(self, caller: str, action: str, role: str, who: str) -> None:
        """AccessControl's grants, revocations and renunciations of the registrar and admin roles: a granted
        registrar acts as one, a revoked one no longer does, and an admitted participant is never granted
        either (separation of duties). The deployer never loses the admin role, so the machine never locks
        itself out of the registry for the rest of an example."""
        if role == "admin" and who == "registrar" and action != "grantRole":
            who = "outsider"
        role_hash, sender, account = ADMIN_ROLES[role], self.addr[caller], self.addr[who]
        holders = self.registrars if role == "registrar" else self.admins
        error: tuple[str, dict[str, Any]] | None = None
        if action == "renounceRole":
            if account != sender:
                error = ("AccessControlBadConfirmation", {})
        elif sender not in self.admins:
            error = ("AccessControlUnauthorizedAccount", {"account": sender, "neededRole": ADMIN_ROLE})
        elif action == "grantRole" and self.role[account] != 0:
            error = ("ParticipantCannotAdminister", {"account": account, "role": role_hash})
        change = {"role": role_hash, "account": account, "sender": sender}
        held = account in holders
        if action == "grantRole":
            events = [] if held else [("RoleGranted", change)]
        else:
            events = [("RoleRevoked", change)] if held else []
        if self._send(action, role_hash, account, sender=caller, error=error, events=events):
            (holders.add if action == "grantRole" else holders.discard)(account)
            self.touched_roles.add((role_hash, account))

    @focusable(
        caller=st.sampled_from(REGISTRAR_CALLERS),
        who=st.sampled_from(OPERATOR_CANDIDATES),
        capacity=st.sampled_from([0, 1, 40_000, 100_000, 1_000_000]),
    )
    def register_mine(self, caller: str, who: str, capacity: int) -> None:
        operator = self.addr[who]
        mine_id = len(self.mines) + 1
        now = self._next_time()
        expiry = now + TEN_YEARS
        permit, location, passport = (keccak(text=f"{kind}:{mine_id}") for kind in ("permit", "loc", "mine"))
        error = self._registrar_guard(caller)
        if error is None and self.role[operator] != MINE_OPERATOR:
            error = ("NotMineOperatorRole", {"account": operator})
        if error is None and operator in self.mine_of:
            error = ("OperatorHasMine", {"operator": operator, "mineId": self.mine_of[operator]})
        if error is None and expiry > UINT32_MAX:
            error = ("InvalidPermitExpiry", {"permitExpiry": expiry, "nowTimestamp": now})
        if error is None and capacity == 0:
            error = ("InvalidCapacity", {"capacityMg": 0})
        event = {
            "mineId": mine_id,
            "operator": operator,
            "country": b"PE",
            "permitHash": permit,
            "permitExpiry": expiry,
            "locationHash": location,
            "capacityMg": capacity,
            "passportHash": passport,
        }
        args = (operator, permit, expiry, b"PE", location, capacity, passport)
        if self._send("registerMine", *args, sender=caller, error=error, events=[("MineRegistered", event)]):
            self.mines[mine_id] = {
                "operator": operator,
                "capacity": capacity,
                "status": ACTIVE,
                "ore": 0,
                "country": b"PE",
                "permit_expiry": expiry,
                "permit_hash": permit,
                "location_hash": location,
                "passport_hash": passport,
            }
            self.mine_of[operator] = mine_id
            self.touched_mines.add(mine_id)

    def _mine_error(self, caller: str, mine_id: int) -> tuple[str, dict[str, Any]] | None:
        error = self._registrar_guard(caller)
        if error is None and mine_id not in self.mines:
            error = ("UnknownMine", {"mineId": mine_id})
        return error

    @focusable(
        caller=st.sampled_from(REGISTRAR_CALLERS),
        mine_id=st.integers(0, 6),
        action=st.sampled_from(["suspendMine", "reactivateMine", "revokeMine"]),
    )
    def change_status(self, caller: str, mine_id: int, action: str) -> None:
        error = self._mine_error(caller, mine_id)
        allowed = {"suspendMine": ({ACTIVE}, SUSPENDED), "reactivateMine": ({SUSPENDED}, ACTIVE)}
        froms, to = allowed.get(action, ({ACTIVE, SUSPENDED}, REVOKED))
        if error is None and self.mines[mine_id]["status"] not in froms:
            status = self.mines[mine_id]["status"]
            error = ("InvalidMineStatusChange", {"mineId": mine_id, "status": status, "requested": to})
        events = [("MineStatusChanged", {"mineId": mine_id, "status": to})]
        if self._send(action, mine_id, sender=caller, error=error, events=events):
            self._update_mine(mine_id, status=to)

    @focusable(
        caller=st.sampled_from(REGISTRAR_CALLERS),
        mine_id=st.integers(0, 6),
        capacity=st.sampled_from([0, 1, 10_000, 50_000, 1_000_000]),
    )
    def set_capacity(self, caller: str, mine_id: int, capacity: int) -> None:
        """What the mine declared this calendar year counts against the new capacity; in a year it has not
        declared in yet, nothing does."""
        error = self._mine_error(caller, mine_id)
        if error is None and capacity == 0:
            error = ("InvalidCapacity", {"capacityMg": 0})
        events = [("MineCapacityUpdated", {"mineId": mine_id, "capacityMg": capacity})]
        if self._send("setMineCapacity", mine_id, capacity, sender=caller, error=error, events=events):
            self._update_mine(mine_id, capacity=capacity)

    @focusable(
        caller=st.sampled_from(REGISTRAR_CALLERS),
        mine_id=st.integers(0, 6),
        expiry=st.sampled_from(["past", "now", "next", "hour", "ten_years", "last", "too_far"]),
    )
    def update_permit(self, caller: str, mine_id: int, expiry: str) -> None:
        """A renewed permit: its expiry must lie after the block's time and fit 32 bits. With "next", the
        next transaction runs in the permit's last second (still valid) and the one after it, expired."""
        now = self._next_time()
        permit_expiry = {
            "past": now - 1,
            "now": now,
            "next": now + 1,
            "hour": now + 3_600,
            "ten_years": now + TEN_YEARS,
            "last": UINT32_MAX,
            "too_far": UINT32_MAX + 1,
        }[expiry]
        permit = self._hash("permit")
        error = self._mine_error(caller, mine_id)
        if error is None and not now < permit_expiry <= UINT32_MAX:
            error = ("InvalidPermitExpiry", {"permitExpiry": permit_expiry, "nowTimestamp": now})
        event = {"mineId": mine_id, "permitHash": permit, "permitExpiry": permit_expiry}
        events = [("MinePermitUpdated", event)]
        if self._send(
            "updatePermit", mine_id, permit, permit_expiry, sender=caller, error=error, events=events
        ):
            self._update_mine(mine_id, permit_expiry=permit_expiry, permit_hash=permit)

    @focusable(caller=st.sampled_from(REGISTRAR_CALLERS), mine_id=st.integers(0, 6), blank=blanks)
    def set_mine_passport(self, caller: str, mine_id: int, blank: int) -> None:
        """A mine's own documents change; a zero hash is allowed (the documents withdrawn)."""
        passport = ZERO_HASH if blank == 0 else self._hash("mine-passport")
        events = [("MinePassportUpdated", {"mineId": mine_id, "passportHash": passport})]
        error = self._mine_error(caller, mine_id)
        if self._send("setMinePassport", mine_id, passport, sender=caller, error=error, events=events):
            self._update_mine(mine_id, passport_hash=passport)

    # ------------------------------------------------------------ the clock

    @focusable(
        jump=st.sampled_from(["second", "day", "year_end", "new_year", "expiry", "past_expiry"]),
        mine_id=st.sampled_from([1, 1, 2, 3]),
    )
    def advance_clock(self, jump: str, mine_id: int) -> None:
        """Moves the chain's clock so that the next transaction runs at a chosen time: the last second of the
        calendar year or the first of the next (the capacity of every mine starts afresh), the last second of
        a mine's permit or the first after it. The model follows its own clock and calendar."""
        now = self._next_time()
        expiry = self.mines[mine_id]["permit_expiry"] if mine_id in self.mines else now
        target = {
            "second": now + 1,
            "day": now + 86_400,
            "year_end": next_new_year(now) - 1,
            "new_year": next_new_year(now),
            "expiry": expiry,
            "past_expiry": expiry + 1,
        }[jump]
        if target <= now:  # that moment has passed: a second will do
            target = now + 1
        self.chain.mine_empty_block(target - 1)
        self.now = target - 1
        self.touched_mines |= set(self.mines)  # what a mine declared "this year" depends on the clock

    # ------------------------------------------------------------ lot rules

    def _declaration_error(
        self, operator: str, mine_id: int, fine: int, gross: int, root: bytes, ref: str, when: int
    ) -> tuple[str, dict[str, Any]] | None:
        """Why `operator` may not declare `fine` mg of ore from `mine_id` in a block at time `when`, in the
        contract's order of checks; None if it may."""
        if fine == 0 or fine > gross:
            return "InvalidMass", {"fineGoldMg": fine, "grossMassMg": gross}
        if error := self._root_error(root):
            return error
        if mine_id == 0 or self.mine_of.get(operator) != mine_id:
            if mine_id not in self.mines:
                return "UnknownMine", {"mineId": mine_id}
            return "NotMineOperator", {"mineId": mine_id, "account": operator}
        if self.role[operator] != MINE_OPERATOR:
            return "NotMineOperatorRole", {"account": operator}
        mine = self.mines[mine_id]
        if mine["status"] != ACTIVE:
            return "MineNotActive", {"mineId": mine_id, "status": mine["status"]}
        if self._permit_expired(mine_id, when):
            return "PermitExpired", {"mineId": mine_id, "permitExpiry": mine["permit_expiry"]}
        remaining = self._remaining_capacity(mine_id, utc_year(when))
        if fine > remaining:
            return "CapacityExceeded", {
                "mineId": mine_id,
                "requestedMg": fine,
                "remainingMg": max(remaining, 0),
            }
        if ref and (operator, ref) in self.refs:
            return "DuplicateExternalRef", {
                "issuer": operator,
                "externalRef": ref,
                "lotId": self.refs[operator, ref],
            }
        return None

    def _declared(
        self, operator: str, recipient: str, mine_id: int, fine: int, root: bytes, ref: str, relayed: bool
    ) -> None:
        """The model's side of a declaration the chain accepted."""
        self._count_declaration(mine_id, utc_year(self.now), fine, relayed)
        self.mines[mine_id]["ore"] += fine
        self.declared_total += fine
        lot_id = self._mint(recipient, fine=fine, mine=mine_id, parents=[], root=root, form=0)
        self.touched_mines.add(mine_id)
        self.declared_mines.add(mine_id)
        if ref:
            self.refs[operator, ref] = lot_id
            self.touched_refs.add((operator, ref))

    @focusable(
        who=st.sampled_from(OPERATOR_CANDIDATES),
        own_mine=st.booleans(),
        other_mine=st.integers(0, 6),
        fine=st.one_of(st.just(0), st.integers(1, 60_000)),
        extra=st.integers(-2, 100_000),
        ref=st.sampled_from(REFS),
        amount=st.sampled_from(["fine", "fine", "rest", "over"]),
        blank=blanks,
    )
    def declare(
        self,
        who: str,
        own_mine: bool,
        other_mine: int,
        fine: int,
        extra: int,
        ref: str,
        amount: str = "fine",
        blank: int = 1,
    ) -> None:
        """`amount` "rest" declares exactly the mine's remaining capacity and "over" one milligram more, so
        that the capacity's edge is reached in a few steps (random masses seldom reach it)."""
        sender = self.addr[who]
        now = self._next_time()
        mine_id = self.mine_of.get(sender, other_mine) if own_mine else other_mine
        if amount != "fine" and mine_id in self.mines:
            fine = max(self._remaining_capacity(mine_id, utc_year(now)), 0) + (amount == "over")
        gross = max(fine + extra, 0)
        root, uri = self._root(blank), "ipfs://ore"
        error = self._declaration_error(sender, mine_id, fine, gross, root, ref, now)
        (lot_id,) = self._predict_ids(sender, 1)
        events = [
            ("Transfer", {"from": ZERO, "to": sender, "tokenId": lot_id}),
            (
                "LotDeclared",
                {
                    "lotId": lot_id,
                    "mineId": mine_id,
                    "fineGoldMg": fine,
                    "grossMassMg": gross,
                    "passportRoot": root,
                    "passportURI": uri,
                    "externalRef": ref,
                },
            ),
        ]
        if self._send(
            "declareLot", mine_id, fine, gross, root, uri, ref, sender=who, error=error, events=events
        ):
            self._declared(sender, sender, mine_id, fine, root, ref, relayed=False)

    @focusable(
        relayer=st.sampled_from(["plant", "plant", *PARTIES]),
        mine_id=st.sampled_from([1, 1, 2, 2, 3, 0, 6]),
        signer=st.sampled_from(["operator", "operator", "operator", "operator", "other"]),
        recipient=st.sampled_from(["operator", "plant", "plant", "miner2", "wallet", "refiner", "outsider"]),
        fine=st.one_of(st.just(0), st.integers(1, 60_000)),
        extra=st.integers(-2, 100_000),
        amount=st.sampled_from(["fine", "fine", "rest", "over"]),
        key=st.sampled_from(NONCE_KEYS),
        shift=st.sampled_from([0, 0, 0, 0, 1, -1]),
        deadline=st.sampled_from(["hour", "hour", "edge", "expired"]),
        ref=st.sampled_from(REFS),
        blank=blanks,
    )
    def submit_declaration(
        self,
        relayer: str,
        mine_id: int,
        signer: str,
        recipient: str,
        fine: int,
        extra: int,
        amount: str,
        key: int,
        shift: int,
        deadline: str,
        ref: str,
        blank: int,
    ) -> None:
        """A declaration the mine's operator signed off-chain (EIP-712, by the library's `sign_declaration`),
        relayed by any account; the lot goes to the operator or to someone else, so that the relayed path
        writes two packed account slots (another mine's operator among the recipients). "other" signs with a
        key that operates no mine; `shift` uses a spent or a future nonce; the deadline is an hour away, the
        very second of the block, or the second before it."""
        now = self._next_time()
        known = mine_id in self.mines
        operator = self.mines[mine_id]["operator"] if known else self.addr["miner"]
        receiver = operator if recipient == "operator" else self.addr[recipient]
        if amount != "fine" and known:
            fine = max(self._remaining_capacity(mine_id, utc_year(now)), 0) + (amount == "over")
        gross = max(fine + extra, 0)
        root, uri = self._root(blank), "ipfs://relayed"
        sequence = self.nonces.get((operator, key), 0)
        used = sequence + shift if sequence + shift >= 0 else sequence + 1
        nonce, valid_until = (
            key << 64 | used,
            {"hour": now + 3_600, "edge": now, "expired": now - 1}[deadline],
        )
        signed = filon.sign_declaration(
            self.keys[operator if signer == "operator" else self.addr["registrar"]],
            self.domain,
            mine_id=mine_id,
            fine_gold_mg=fine,
            gross_mass_mg=gross,
            passport_root=root,
            recipient=receiver,
            nonce=nonce,
            deadline=valid_until,
            external_ref=ref,
        )
        relayer_account = self.addr[relayer]
        error: tuple[str, dict[str, Any]] | None = None
        if self.role[relayer_account] == 0:
            error = ("NotParticipant", {"account": relayer_account})
        elif now > valid_until:
            error = ("DeclarationExpired", {"deadline": valid_until, "nowTimestamp": now})
        elif not known:
            error = ("UnknownMine", {"mineId": mine_id})
        elif signer != "operator":
            error = ("InvalidDeclarationSignature", {"mineId": mine_id, "operator": operator})
        elif used != sequence:
            error = ("InvalidAccountNonce", {"account": operator, "currentNonce": key << 64 | sequence})
        else:
            error = self._declaration_error(operator, mine_id, fine, gross, root, ref, now)
            if error is None and not self._can_hold(receiver):
                error = self._cannot_hold(receiver)
        (lot_id,) = self._predict_ids(receiver, 1)
        declared = {
            "lotId": lot_id,
            "mineId": mine_id,
            "fineGoldMg": fine,
            "grossMassMg": gross,
            "passportRoot": root,
            "passportURI": uri,
            "externalRef": ref,
        }
        events = [
            ("Transfer", {"from": ZERO, "to": receiver, "tokenId": lot_id}),
            ("LotDeclared", declared),
            (
                "DeclarationRelayed",
                {"lotId": lot_id, "operator": operator, "relayer": relayer_account, "nonce": nonce},
            ),
        ]
        if self._send(
            "submitDeclaration",
            signed.as_contract_tuple(),
            uri,
            signed.signature,
            sender=relayer,
            error=error,
            events=events,
        ):
            self._use_nonce(operator, key, cancelled=False)
            self.touched_nonces.add((operator, key))
            self._declared(operator, receiver, mine_id, fine, root, ref, relayed=True)
            # The receiver's slot was written too: when it operates a mine, that mine must be unchanged.
            self.touched_mines |= set(self.mines)

    @focusable(who=parties, key=st.sampled_from(NONCE_KEYS), shift=st.sampled_from([0, 0, 1, -1]))
    def cancel_declaration(self, who: str, key: int, shift: int) -> None:
        """Anyone may spend its own next nonce, voiding a declaration it signed with it."""
        account = self.addr[who]
        sequence = self.nonces.get((account, key), 0)
        used = sequence + shift if sequence + shift >= 0 else sequence + 1
        error: tuple[str, dict[str, Any]] | None = None
        if used != sequence:
            error = ("InvalidAccountNonce", {"account": account, "currentNonce": key << 64 | sequence})
        events = [("DeclarationCancelled", {"operator": account, "keyNonce": key << 64 | used})]
        if self._send("cancelDeclaration", key << 64 | used, sender=who, error=error, events=events):
            self._use_nonce(account, key, cancelled=True)
            self.touched_nonces.add((account, key))

    @focusable(
        sender=st.one_of(st.just("holder"), st.just("operator"), parties),
        pick=picks,
        to=st.sampled_from(RECEIVERS),
        wrong_from=st.booleans(),
        method=st.sampled_from(["transferFrom", "transferFrom", "safe", "safe_with_data"]),
    )
    def transfer(
        self, sender: str, pick: int, to: str, wrong_from: bool, method: str = "transferFrom"
    ) -> None:
        """`transferFrom`, or either `safeTransferFrom`, which also refuses a contract receiver that does not
        implement `onERC721Received` (the wallet)."""
        lot_id = self._pick_lot(pick)
        holder = self._holder(lot_id)
        caller = self.name_of.get(holder, "outsider") if sender == "holder" else sender
        spender, receiver = self.addr[caller], self.addr[to]
        claimed = self.addr["outsider"] if wrong_from and holder != self.addr["outsider"] else holder
        if holder == ZERO:
            claimed = self.addr["plant"]
        error: tuple[str, dict[str, Any]] | None = None
        if holder == ZERO:
            error = self._not_live(lot_id)
        elif not self._authorized(holder, spender, lot_id):
            error = ("ERC721InsufficientApproval", {"operator": spender, "tokenId": lot_id})
        elif not self._can_hold(receiver):
            error = self._cannot_hold(receiver)
        elif claimed != holder:
            error = ("ERC721IncorrectOwner", {"sender": claimed, "tokenId": lot_id, "owner": holder})
        elif method != "transferFrom" and not self._accepts_lots(receiver):
            error = ("ERC721InvalidReceiver", {"receiver": receiver})
        function, args = {
            "transferFrom": ("transferFrom", (claimed, receiver, lot_id)),
            "safe": ("safeTransferFrom(address,address,uint256)", (claimed, receiver, lot_id)),
            "safe_with_data": (
                "safeTransferFrom(address,address,uint256,bytes)",
                (claimed, receiver, lot_id, b"filon"),
            ),
        }[method]
        events = [("Transfer", {"from": holder, "to": receiver, "tokenId": lot_id})]
        if self._send(function, *args, sender=caller, error=error, events=events):
            self.lot[lot_id]["holder"] = receiver
            self.touched_accounts.add(holder)
            self.approved.pop(lot_id, None)
            self.balance[holder] -= 1
            self.balance[receiver] += 1
            self.received.add(receiver)
            self.touched_lots.add(lot_id)

    @focusable(sender=st.one_of(st.just("holder"), parties), pick=picks, spender=parties)
    def approve(self, sender: str, pick: int, spender: str) -> None:
        lot_id = self._pick_lot(pick)
        holder = self._holder(lot_id)
        caller = self.name_of.get(holder, "outsider") if sender == "holder" else sender
        approver, approved = self.addr[caller], self.addr[spender]
        error: tuple[str, dict[str, Any]] | None = None
        if holder == ZERO:
            error = ("ERC721NonexistentToken", {"tokenId": lot_id})
        elif approver != holder and (holder, approver) not in self.for_all:
            error = ("ERC721InvalidApprover", {"approver": approver})
        events = [("Approval", {"owner": holder, "approved": approved, "tokenId": lot_id})]
        if self._send("approve", approved, lot_id, sender=caller, error=error, events=events):
            self.approved[lot_id] = approved
            self.touched_lots.add(lot_id)

    @focusable(owner=parties, flag=st.booleans())
    def set_approval_for_all(self, owner: str, flag: bool) -> None:
        owner_addr, operator = self.addr[owner], self.addr["operator"]
        events = [("ApprovalForAll", {"owner": owner_addr, "operator": operator, "approved": flag})]
        if self._send("setApprovalForAll", operator, flag, sender=owner, error=None, events=events):
            (self.for_all.add if flag else self.for_all.discard)((owner_addr, operator))
            self.touched_for_all.add((owner_addr, operator))

    @focusable(
        sender=st.sampled_from(["holder", "holder", "holder", "operator", *PARTIES]),
        input_picks=st.lists(picks, min_size=1, max_size=3),
        no_inputs=st.integers(0, 19),
        outputs=st.integers(1, 3),
        mode=st.sampled_from(["conserve", "conserve", "over", "bad_mass"]),
        loss=st.integers(0, 3),
        form=st.integers(1, 4),
        size=st.sampled_from(
            ["small"] * 14 + ["fill_block", "past_block", "max_out", "too_many_out", "all_in", "too_many_in"]
        ),
        blank=blanks,
    )
    def transform(
        self,
        sender: str,
        input_picks: list[int],
        no_inputs: int,
        outputs: int,
        mode: str,
        loss: int,
        form: int,
        size: str = "small",
        blank: int = 1,
    ) -> None:
        """`size` reaches the edges 3x3 transformations never do: outputs that use up exactly what is left of
        the holder's block of lot ids, or one more (the next id opens a new block), `MAX_TRANSFORM_LOTS`
        outputs or inputs (all the holder's live lots), and one more than that."""
        inputs = [] if no_inputs == 0 else [self._pick_lot(p) for p in input_picks]
        holder = self._holder(inputs[0]) if inputs else ZERO
        if size == "all_in" and holder != ZERO:
            inputs = sorted(i for i, lot in self.lot.items() if lot["holder"] == holder)[:MAX_TRANSFORM_LOTS]
        elif size == "too_many_in" and inputs:
            inputs = (inputs * (MAX_TRANSFORM_LOTS + 1))[: MAX_TRANSFORM_LOTS + 1]
        left = self.id_cursor.get(holder, (0, 0))[1]
        count = {
            "fill_block": min(left or LOT_ID_BLOCK, MAX_TRANSFORM_LOTS),
            "past_block": min(left + 1, MAX_TRANSFORM_LOTS),
            "max_out": MAX_TRANSFORM_LOTS,
            "too_many_out": MAX_TRANSFORM_LOTS + 1,
        }.get(size, outputs)
        caller = self.name_of.get(holder, "outsider") if sender == "holder" else sender
        spender = self.addr[caller]
        live_fine = sum(self.lot[i]["fine"] for i in set(inputs) if self._holder(i) != ZERO)
        total = live_fine + 1 if mode == "over" else max(live_fine - loss, 0)
        fines = [total // count + (total % count if j == 0 else 0) for j in range(count)]
        grosses = [f * 2 for f in fines]
        if mode == "bad_mass" and fines[0] > 0:
            grosses[0] = fines[0] - 1
        root, uri = self._root(blank), "ipfs://transformed"
        error: tuple[str, dict[str, Any]] | None = None
        if not inputs or len(inputs) > MAX_TRANSFORM_LOTS or count > MAX_TRANSFORM_LOTS:
            error = (
                "InvalidTransformation",
                {"inputs": len(inputs), "outputs": count, "max": MAX_TRANSFORM_LOTS},
            )
        else:
            error = self._root_error(root)
        consumed: set[int] = set()
        input_mg = 0
        for lot_id in inputs:
            if error:
                break
            current = self._holder(lot_id)
            if current == ZERO or lot_id in consumed:
                error = self._not_live(lot_id)
            elif current != holder:
                error = ("MixedHolders", {"lotId": lot_id, "holder": holder, "other": current})
            elif not self._authorized(holder, spender, lot_id):
                error = ("NotHolder", {"lotId": lot_id, "account": spender, "holder": holder})
            else:
                consumed.add(lot_id)
                input_mg += self.lot[lot_id]["fine"]
        for fine, gross in zip(fines, grosses, strict=True):
            if not error and (fine == 0 or fine > gross):
                error = ("InvalidMass", {"fineGoldMg": fine, "grossMassMg": gross})
        if not error and sum(fines) > input_mg:
            error = ("MassNotConserved", {"inputMg": input_mg, "outputMg": sum(fines)})
        if not error and not self._can_hold(holder):
            error = self._cannot_hold(holder)
        new_ids = self._predict_ids(holder, count) if not error else []
        events = [("Transfer", {"from": holder, "to": ZERO, "tokenId": i}) for i in inputs]
        for new_id, fine, gross in zip(new_ids, fines, grosses, strict=False):  # no ids when it fails
            events.append(("Transfer", {"from": ZERO, "to": holder, "tokenId": new_id}))
            produced = {
                "lotId": new_id,
                "form": form,
                "fineGoldMg": fine,
                "grossMassMg": gross,
                "parents": inputs,
            }
            events.append(("LotProduced", {**produced, "passportRoot": root, "passportURI": uri}))
        # Conservation is checked on the chain: what the inputs held there before, the outputs after.
        chain_input_mg = (
            sum(record["fineGoldMg"] for record in self.chain.views([("lot", (i,)) for i in inputs]))
            if error is None
            else 0
        )
        lot_outputs = [(form, f, g) for f, g in zip(fines, grosses, strict=True)]
        if self._send("transform", inputs, lot_outputs, root, uri, sender=caller, error=error, events=events):
            self.touched_accounts.add(holder)
            for lot_id in inputs:
                self.lot[lot_id].update(holder=ZERO, consumed=True)
                self.approved.pop(lot_id, None)
                self.balance[holder] -= 1
                self.touched_lots.add(lot_id)
            minted = [
                self._mint(holder, fine=fine, mine=0, parents=list(inputs), root=root, form=form)
                for fine in fines
            ]
            self.transformed.append((chain_input_mg, minted))

    @focusable(sender=st.one_of(st.just("holder"), st.just("holder"), parties), pick=picks, blank=blanks)
    def record_passport(self, sender: str, pick: int, blank: int = 1) -> None:
        lot_id = self._pick_lot(pick)
        holder = self._holder(lot_id)
        caller = self.name_of.get(holder, "outsider") if sender == "holder" else sender
        account = self.addr[caller]
        root, uri = self._root(blank), "ipfs://v"
        error: tuple[str, dict[str, Any]] | None = None
        if holder == ZERO:
            error = self._not_live(lot_id)
        elif holder != account:
            error = ("NotHolder", {"lotId": lot_id, "account": account, "holder": holder})
        elif self.role[account] == 0:  # a removed holder keeps its lots but vouches for nothing new
            error = ("NotParticipant", {"account": account})
        else:
            error = self._root_error(root)
        version = self.lot[lot_id]["version"] + 1 if lot_id in self.lot else 0
        events = [
            (
                "PassportRecorded",
                {"lotId": lot_id, "version": version, "passportRoot": root, "passportURI": uri},
            )
        ]
        if self._send("recordPassport", lot_id, root, uri, sender=caller, error=error, events=events):
            self.lot[lot_id].update(version=version, root=root)
            self.touched_lots.add(lot_id)

    # ------------------------------------------------------------ serial numbers

    @focusable(
        sender=st.one_of(st.just("holder"), st.just("holder"), parties),
        pick=picks,
        number=st.integers(-1, 4),
    )
    def assign_serial(self, sender: str, pick: int, number: int) -> None:
        """Serials "SN-0" to "SN-3" (few: duplicates come up), an empty one (-1), a too long one (4)."""
        lot_id = self._pick_lot(pick)
        holder = self._holder(lot_id)
        caller = self.name_of.get(holder, "outsider") if sender == "holder" else sender
        account = self.addr[caller]
        serial = {-1: "", 4: "S" * (MAX_SERIAL_LENGTH + 1)}.get(number, f"SN-{number}")
        error: tuple[str, dict[str, Any]] | None = None
        if holder == ZERO:
            error = self._not_live(lot_id)
        elif holder != account:
            error = ("NotHolder", {"lotId": lot_id, "account": account, "holder": holder})
        elif self.role[account] != REFINER:
            error = ("NotRefiner", {"account": account})
        elif self.lot[lot_id]["form"] != REFINED:
            error = ("NotRefinedLot", {"lotId": lot_id, "form": self.lot[lot_id]["form"]})
        elif not 1 <= len(serial) <= MAX_SERIAL_LENGTH:
            error = ("InvalidSerialLength", {"length": len(serial)})
        elif lot_id in self.serials:
            error = ("SerialAlreadyAssigned", {"lotId": lot_id, "serial": self.serials[lot_id]})
        elif (account, serial) in self.serial_lots:
            error = (
                "DuplicateSerial",
                {"refiner": account, "serial": serial, "lotId": self.serial_lots[account, serial]},
            )
        events = [("SerialAssigned", {"lotId": lot_id, "refiner": account, "serial": serial})]
        if self._send("assignSerialNumber", lot_id, serial, sender=caller, error=error, events=events):
            self.serials[lot_id] = serial
            self.serial_lots[account, serial] = lot_id
        self.touched_serials.add((account, serial, lot_id))

    def _serial_checks(self, assignments: set[tuple[str, str, int]]) -> list[Check]:
        """`lotBySerial` and `serialOf` of assignments tried (a refused one must have changed nothing)."""
        checks: list[Check] = []
        for account, serial, lot_id in sorted(assignments):
            expected = self.serial_lots.get((account, serial), 0)
            checks.append(
                ("lotBySerial", (account, serial), partial(self._equals, f"lotBySerial {serial}", expected))
            )
            serial_of = self.serials.get(lot_id, "")
            checks.append(("serialOf", (lot_id,), partial(self._equals, f"serialOf({lot_id})", serial_of)))
        return checks

    # ------------------------------------------------------------ attestation rules

    @staticmethod
    def _credential(number: int) -> bytes:
        """Credential hash number `number`; -1 is the zero hash the contract refuses."""
        return bytes(32) if number < 0 else keccak(text=f"credential:{number}")

    @focusable(
        who=parties,
        number=st.integers(-1, 3),
        kind=st.sampled_from([LOT_SUBJECT, LOT_SUBJECT, MINE_SUBJECT, 0, 3]),
        pick=picks,
        mine_id=st.integers(0, 4),
    )
    def anchor_attestation(self, who: str, number: int, kind: int, pick: int, mine_id: int) -> None:
        account, credential = self.addr[who], self._credential(number)
        subject = self._pick_lot(pick) if kind == LOT_SUBJECT else mine_id
        error: tuple[str, dict[str, Any]] | None = None
        if self.role[account] not in ATTESTER_ROLES:
            error = ("NotAttester", {"account": account})
        elif number < 0:
            error = ("EmptyHash", {})
        elif kind == LOT_SUBJECT and subject not in self.lot:
            error = ("UnknownLot", {"lotId": subject})
        elif kind == MINE_SUBJECT and subject not in self.mines:
            error = ("UnknownMine", {"mineId": subject})
        elif kind not in (LOT_SUBJECT, MINE_SUBJECT):
            error = ("InvalidSubjectKind", {"subjectKind": kind})
        elif credential in self.attestations:
            error = (
                "AttestationExists",
                {"credentialHash": credential, "attester": self.attestations[credential][0]},
            )
        event = {"credentialHash": credential, "attester": account, "subjectKind": kind, "subjectId": subject}
        events = [("AttestationAnchored", event)]
        if self._send("anchorAttestation", credential, kind, subject, sender=who, error=error, events=events):
            self.attestations[credential] = (account, False)

    @focusable(who=parties, number=st.integers(0, 3))
    def revoke_attestation(self, who: str, number: int) -> None:
        account, credential = self.addr[who], self._credential(number)
        attester, revoked = self.attestations.get(credential, (ZERO, False))
        error: tuple[str, dict[str, Any]] | None = None
        if attester == ZERO:
            error = ("UnknownAttestation", {"credentialHash": credential})
        elif attester != account:
            error = (
                "NotTheAttester",
                {"credentialHash": credential, "account": account, "attester": attester},
            )
        elif revoked:
            error = ("AttestationAlreadyRevoked", {"credentialHash": credential})
        events = [("AttestationRevoked", {"credentialHash": credential, "attester": account})]
        if self._send("revokeAttestation", credential, sender=who, error=error, events=events):
            self.attestations[credential] = (account, True)

    # ------------------------------------------------------------ invariants

    @invariant()
    def every_state_change_emitted_its_events(self) -> None:
        """Invariant 6: each successful transaction emitted exactly the events the model expects."""
        for call, got, expected in self.pending_events:
            assert got == expected, f"events of {call}: expected {expected}, got {got}"
        self.pending_events.clear()

    @invariant()
    def the_chain_matches_the_model(self) -> None:
        """Invariants 2-5 on the chain, for what the step touched, read back in one JSON-RPC batch: lot
        records, holders and approvals; balances; every account that received a lot is, on the chain, admitted
        with a role that holds lots (nothing ran since it received); each mine's record, field by field, a
        mine that just declared within its capacity on the chain; external references, declaration nonces,
        operator approvals and the registrar and admin roles. A transformation's outputs hold at most what its
        inputs held on the chain."""
        records: dict[int, dict[str, Any]] = {}
        checks = self._lot_checks(self.touched_lots, records)
        checks += self._balance_checks(
            {self.lot[i]["holder"] for i in self.touched_lots} | self.touched_accounts
        )
        checks += [
            ("roleOf", (account,), partial(self._holds_lots, account)) for account in sorted(self.received)
        ]
        checks += self._mine_checks(self.touched_mines)
        checks += self._registry_checks(
            self.touched_refs, self.touched_nonces, self.touched_for_all, self.touched_roles
        )
        checks += self._serial_checks(self.touched_serials)
        self._verify(checks)
        for input_mg, outputs in self.transformed:
            output_mg = sum(records[i]["fineGoldMg"] for i in outputs)
            assert output_mg <= input_mg, f"lots {outputs} hold {output_mg} mg, their inputs held {input_mg}"
        for touched in (self.touched_lots, self.touched_accounts, self.received, self.touched_mines):
            touched.clear()
        for pairs in (self.touched_refs, self.touched_nonces, self.touched_for_all, self.touched_roles):
            pairs.clear()
        self.touched_serials.clear()
        self.declared_mines.clear()
        self.transformed.clear()

    def _verify(self, checks: list[Check]) -> None:
        """Runs the view calls of `checks` in one batch and hands each its result."""
        results = self.chain.views([(function, args) for function, args, _ in checks])
        for (_, _, check), got in zip(checks, results, strict=True):
            check(got)

    def _holds_lots(self, account: str, role: int) -> None:
        assert role in HOLDING_ROLES, f"{self.name_of[account]} received a lot, admitted as {role}"

    def _equals(self, what: str, expected: Any, got: Any) -> None:
        assert got == expected, f"{what}: expected {expected!r}, chain {got!r}"

    def _balance_checks(self, accounts: set[str]) -> list[Check]:
        return [
            ("balanceOf", (a,), partial(self._equals, f"balance of {self.name_of[a]}", self.balance[a]))
            for a in sorted(accounts - {ZERO})
        ]

    def _lot_checks(
        self, lot_ids: set[int], records: dict[int, dict[str, Any]], owner_of: bool = False
    ) -> list[Check]:
        """The lots' records (kept in `records`), `getApproved` for the live ones and `ownerOf` if asked."""
        checks: list[Check] = [("lot", (i,), partial(self._check_lot, i, records)) for i in sorted(lot_ids)]
        for lot_id in sorted(i for i in lot_ids if not self.lot[i]["consumed"]):
            approved = self.approved.get(lot_id, ZERO)
            checks.append(
                ("getApproved", (lot_id,), partial(self._equals, f"getApproved({lot_id})", approved))
            )
            if owner_of:
                holder = self.lot[lot_id]["holder"]
                checks.append(("ownerOf", (lot_id,), partial(self._equals, f"ownerOf({lot_id})", holder)))
        return checks

    def _check_lot(self, lot_id: int, records: dict[int, dict[str, Any]], got: dict[str, Any]) -> None:
        records[lot_id] = got
        expected = self.lot[lot_id]
        assert got["consumed"] == expected["consumed"], f"lot {lot_id} consumed"
        assert got["passportRoot"] == expected["root"], f"lot {lot_id} root"
        if expected["consumed"]:
            # A consumed lot's slot is cleared; its last root stays; its id answers as nonexistent.
            assert (got["holder"], got["fineGoldMg"], got["passportVersion"]) == (ZERO, 0, 0)
            return
        assert got["holder"] == expected["holder"], f"holder of lot {lot_id}"
        assert (got["fineGoldMg"], got["mineId"], got["form"]) == (
            expected["fine"],
            expected["mine"],
            expected["form"],
        ), f"lot {lot_id}"
        assert got["passportVersion"] == expected["version"] >= self.seen_versions.get(lot_id, 1)
        self.seen_versions[lot_id] = got["passportVersion"]

    def _mine_checks(self, mine_ids: set[int]) -> list[Check]:
        return [("mine", (i,), partial(self._check_mine, i)) for i in sorted(mine_ids)]

    def _check_mine(self, mine_id: int, got: dict[str, Any]) -> None:
        """The mine's record field by field, with what it declared in the calendar year of the latest block
        (views run at the latest block), by the model's own calendar."""
        mine, year = self.mines[mine_id], utc_year(self.now)
        expected = {
            "operator": mine["operator"],
            "status": mine["status"],
            "country": mine["country"],
            "permitExpiry": mine["permit_expiry"],
            "capacityMg": mine["capacity"],
            "declaredThisYearMg": self._declared_this_year(mine_id, year),
            "year": year,
            "permitHash": mine["permit_hash"],
            "locationHash": mine["location_hash"],
            "passportHash": mine["passport_hash"],
        }
        for field, value in expected.items():
            assert got[field] == value, f"mine {mine_id} {field}: expected {value!r}, chain {got[field]!r}"
        if mine_id in self.declared_mines:
            assert got["declaredThisYearMg"] <= got["capacityMg"], f"mine {mine_id} over capacity"

    def _registry_checks(
        self,
        refs: set[tuple[str, str]],
        nonces: set[tuple[str, int]],
        for_all: set[tuple[str, str]],
        roles: set[tuple[bytes, str]],
    ) -> list[Check]:
        checks: list[Check] = []
        for issuer, ref in sorted(refs):
            expected: Any = self.refs.get((issuer, ref), 0)
            checks.append(
                (
                    "lotByExternalRef",
                    (issuer, ref),
                    partial(self._equals, f"lotByExternalRef {ref}", expected),
                )
            )
        for signer, key in sorted(nonces):
            expected = key << 64 | self.nonces.get((signer, key), 0)
            checks.append(
                (
                    "nonces(address,uint192)",
                    (signer, key),
                    partial(self._equals, f"nonce of {signer}", expected),
                )
            )
        for pair in sorted(for_all):
            checks.append(
                (
                    "isApprovedForAll",
                    pair,
                    partial(self._equals, f"isApprovedForAll{pair}", pair in self.for_all),
                )
            )
        for role, account in sorted(roles):
            expected = account in (self.registrars if role == REGISTRAR_ROLE else self.admins)
            checks.append(
                ("hasRole", (role, account), partial(self._equals, f"hasRole of {account}", expected))
            )
        return checks

    @invariant()
    def model_invariants(self) -> None:
        """Invariants 1, 2, 4, 5 over the whole model (kept equal to the chain by the checks above)."""
        live = {i: lot for i, lot in self.lot.items() if not lot["consumed"]}
        # 1. every live lot traces back through parents to a registered mine (a lot's parents never change, so
        # its origins are worked out once).
        origins = self.origins

        def origin(lot_id: int) -> frozenset[int]:
            if lot_id not in origins:
                current = self.lot[lot_id]
                assert current["mine"] or current["parents"], f"lot {lot_id} has neither mine nor parents"
                found = {current["mine"]} if current["mine"] else set()
                for parent in current["parents"]:
                    found |= origin(parent)
                origins[lot_id] = frozenset(found)
            return origins[lot_id]

        for lot_id in live:
            assert origin(lot_id) and origin(lot_id) <= set(self.mines), (
                f"lot {lot_id} traces to {origin(lot_id)}"
            )
        # 2. fine gold: the live lots hold at most what the mines declared, which is the sum of the ore lots.
        assert sum(lot["fine"] for lot in live.values()) <= self.declared_total
        for mine_id, mine in self.mines.items():
            assert sum(lot["fine"] for lot in self.lot.values() if lot["mine"] == mine_id) == mine["ore"]
        # 4, 5. balances are the live lots held; attesters hold none.
        assert all(self.balance[a] == 0 for a, role in self.role.items() if role in ATTESTER_ROLES)
        for account, count in self.balance.items():
            assert count == sum(1 for lot in live.values() if lot["holder"] == account)

    def teardown(self) -> None:
        """A full sweep once per example, in one batch: every lot (with `ownerOf`; lots the seed consumed,
        which nothing can change, left out), balance, mine, role, attestation; the references and nonces of
        every mine operator, every operator approval and admin role; and the chain's clock. The per-step
        invariant reads only what the step touched. Hypothesis also calls this after a step failed (in a
        `finally`, where `sys.exc_info` holds the failure): no sweep then, so as not to mask the failure."""
        if sys.exc_info()[0] is None and not self.pending_events:
            everyone, operators = set(self.addr.values()), set(self.mine_of)
            checks = self._lot_checks(set(self.lot) - self.seed_consumed, {}, owner_of=True)
            checks += self._balance_checks(set(self.balance))
            checks += self._mine_checks(set(self.mines))
            checks += [
                ("roleOf", (a,), partial(self._equals, f"role of {self.name_of[a]}", self.role[a]))
                for a in sorted(self.role)
            ]
            checks += [
                ("attestationOf", (c,), partial(self._equals, f"attestation {c.hex()}", self.attestations[c]))
                for c in sorted(self.attestations)
            ]
            checks += self._registry_checks(
                {(issuer, ref) for issuer in operators for ref in set(REFS) - {""}},
                {(signer, key) for signer in operators for key in NONCE_KEYS},
                {(owner, self.addr["operator"]) for owner in everyone},
                {(role, account) for role in ADMIN_ROLES.values() for account in everyone},
            )
            checks += self._serial_checks(
                {(account, serial, lot_id) for (account, serial), lot_id in self.serial_lots.items()}
            )
            self._verify(checks)
            assert self.chain.timestamp() == self.now, "the chain's clock"


MODEL_FIELDS = [
    *("role", "registrars", "admins", "contracts", "mines", "mine_of", "declared_in", "lot", "approved"),
    *("for_all", "balance", "refs", "nonces", "id_blocks", "id_cursor", "declared_total", "seen_versions"),
    *("attestations", "counter", "now", "origins", "serials", "serial_lots"),
]


def _seed(machine_class: type[FilonMachine]) -> None:
    """Two mines and a few lots, made once through the rules themselves, so that every example starts where
    transformations and transfers are reachable in a few steps; the snapshot then moves past them. The plant
    walks its first block of lot ids to the end (64 outputs, merged into one, 34 outputs, merged into one)
    before miner2 takes the next block, so that the plant's next mint in any example opens a block that does
    not follow its last one; and it approves the ERC-721 operator for all its lots."""
    seed = machine_class()

    def pick(lot_id: int) -> int:
        return sorted(i for i, lot in seed.lot.items() if not lot["consumed"]).index(lot_id)

    plant = seed.addr["plant"]
    walk = {"sender": "holder", "no_inputs": 1, "mode": "conserve", "loss": 0, "form": 2}
    seed.register_mine(caller="registrar", who="miner", capacity=1_000_000)
    seed.register_mine(caller="registrar", who="miner2", capacity=100_000)
    for fine in (40_000, 25_000):
        seed.declare(who="miner", own_mine=True, other_mine=0, fine=fine, extra=fine, ref="")
    seed.transfer(sender="holder", pick=pick(1), to="plant", wrong_from=False)
    seed.transform(input_picks=[pick(1)], outputs=1, size="max_out", **walk)
    seed.transform(input_picks=[pick(101)], outputs=1, size="all_in", **walk)
    seed.transform(input_picks=[pick(165)], outputs=34, **walk)
    seed.transform(input_picks=[pick(166)], outputs=1, size="all_in", **walk)
    assert seed.id_cursor[plant] == (201, 0) and seed.balance[plant] == 1, seed.id_cursor
    for fine in (30_000, 10_000):
        seed.declare(who="miner2", own_mine=True, other_mine=0, fine=fine, extra=fine, ref="")
    seed.transfer(sender="holder", pick=pick(201), to="plant", wrong_from=False)
    seed.set_approval_for_all(owner="plant", flag=True)
    seed.every_state_change_emitted_its_events()
    seed.the_chain_matches_the_model()
    seed.model_invariants()
    seed.teardown()
    machine_class.seed = copy.deepcopy({name: getattr(seed, name) for name in MODEL_FIELDS})
    machine_class.seed_consumed = frozenset(i for i, lot in seed.lot.items() if lot["consumed"])


def _start(machine_class: type[FilonMachine], chain: AnvilLots) -> None:
    """Points `machine_class` at the contract, seeded. The honest model seeds the chain once per module; every
    machine, right or wrong, starts its examples from that seed (a wrong model goes wrong from there)."""
    for cls in {FilonMachine, machine_class}:
        cls.chain, cls.keys = chain, chain.keys
        cls.domain = filon.DeclarationDomain(chain_id=chain.chain_id, verifying_contract=chain.address)
    if not chain.seeded:
        FilonMachine.base_snapshot = chain.snapshot()
        _seed(FilonMachine)
        chain.seeded = chain.snapshot()
    # Anvil drops a snapshot once reverted to: take the seeded state's again, and one more for the examples.
    chain.revert(chain.seeded)
    chain.seeded = chain.snapshot()
    machine_class.base_snapshot = chain.snapshot()


@pytest.fixture(scope="module")
def anvil_lots(project: Any) -> Iterator[AnvilLots]:
    """FilonLots as Ape compiled it from contracts/, deployed by the registrar on a fresh Anvil whose blocks
    follow each other a second apart, with the supply chain of `INITIAL_ROLES` admitted (the wallet deployed
    and impersonated first)."""
    lots_type, wallet_type = project.FilonLots.contract_type, project.OperatorWallet.contract_type
    abi = [item.model_dump(mode="json", by_alias=True) for item in lots_type.abi]
    keys = dev_accounts(WALLET_OWNER_INDEX + 1)
    accounts: list[str] = [account.address for account in keys[: len(ACTOR_INDEX) - 1]]
    with start_anvil() as anvil:
        chain = AnvilLots(anvil.url, abi, accounts)
        # Deterministic time: each block one second after the one before, whatever the wall clock does.
        chain.rpc("anvil_setBlockTimestampInterval", 1)
        registrar = accounts[ACTOR_INDEX["registrar"]]
        owner = abi_encode(["address"], [keys[WALLET_OWNER_INDEX].address])
        wallet = chain.deploy(bytes(HexBytes(wallet_type.deployment_bytecode.bytecode)), registrar, owner)
        chain.rpc("anvil_impersonateAccount", wallet)
        chain.rpc("anvil_setBalance", wallet, hex(10**21))
        accounts.append(wallet)
        chain.keys = {account.address: account for account in keys[: len(accounts) - 1]}
        chain.keys[wallet] = keys[WALLET_OWNER_INDEX]
        lots_bytecode = bytes(HexBytes(lots_type.deployment_bytecode.bytecode))
        chain.address = chain.deploy(lots_bytecode, registrar, abi_encode(["address"], [registrar]))
        chain.chain_id = int(chain.rpc("eth_chainId"), 16)
        for name, role in INITIAL_ROLES.items():
            outcome, _ = chain.transact("registerParticipant", (accounts[ACTOR_INDEX[name]], role), registrar)
            assert outcome == "mined"
        yield chain


def test_invariants_hold_under_random_operations(anvil_lots: AnvilLots) -> None:
    _start(FilonMachine, anvil_lots)
    started, mined, reverted = time.perf_counter(), anvil_lots.mined, anvil_lots.reverted
    run_state_machine_as_test(FilonMachine, settings=PROFILE)
    if os.environ.get("FILON_FUZZ_STATS"):
        seconds, steps = (
            time.perf_counter() - started,
            anvil_lots.mined - mined + anvil_lots.reverted - reverted,
        )
        print(
            f"\n{steps} steps ({anvil_lots.mined - mined} mined, {anvil_lots.reverted - reverted} reverted) "
            f"in {seconds:.1f} s: {steps / seconds:.0f} steps/s; {anvil_lots.requests} requests, "
            f"{anvil_lots.receipt_polls} receipt polls\ntried: {sorted(anvil_lots.sent.items())}\n"
            f"refused: {sorted(anvil_lots.refusals.items())}"
        )


# ---------------------------------------------------------------- the fuzzer finds bugs


class _ForgetsTheYearsDeclarations(FilonMachine):
    """A wrong model: a mine's remaining capacity ignores what it already declared this year (the rule that
    stops a permit from whitewashing more gold than the mine produces)."""

    focus = frozenset({"declare", "submit_declaration"})

    def _remaining_capacity(self, mine_id: int, year: int) -> int:
        return int(self.mines[mine_id]["capacity"])


class _ForgetsApprovalForAll(FilonMachine):
    """A wrong model: an operator approved with `setApprovalForAll` may not move or transform lots."""

    focus = frozenset({"transfer", "transform", "set_approval_for_all"})

    def _authorized(self, holder: str, spender: str, lot_id: int) -> bool:
        return spender == holder or self.approved.get(lot_id) == spender


class _ForgetsRelayedDeclarations(FilonMachine):
    """A wrong model: a declaration relayed with `submitDeclaration` does not count against the mine's
    capacity (only the operator's own `declareLot` does)."""

    focus = frozenset({"submit_declaration"})

    def _count_declaration(self, mine_id: int, year: int, fine: int, relayed: bool) -> None:
        if not relayed:
            super()._count_declaration(mine_id, year, fine, relayed)


class _ForgetsCancelledNonces(FilonMachine):
    """A wrong model: `cancelDeclaration` does not use up the nonce, so the declaration signed with it could
    still be submitted."""

    focus = frozenset({"cancel_declaration", "submit_declaration"})

    def _use_nonce(self, signer: str, key: int, cancelled: bool) -> None:
        if not cancelled:
            super()._use_nonce(signer, key, cancelled)


class _ForgetsTheNewYear(FilonMachine):
    """A wrong model: a mine's capacity never starts afresh with the calendar year (all it ever declared
    counts)."""

    focus = frozenset({"advance_clock", "declare", "submit_declaration"})

    def _declared_this_year(self, mine_id: int, year: int) -> int:
        return sum(mg for (mine, _), mg in self.declared_in.items() if mine == mine_id)


class _ForgetsPermitExpiry(FilonMachine):
    """A wrong model: a mine whose permit expired may still declare."""

    focus = frozenset({"advance_clock", "update_permit", "declare", "submit_declaration"})

    def _permit_expired(self, mine_id: int, when: int) -> bool:
        return False


class _ForgetsMinePassports(FilonMachine):
    """A wrong model: `setMinePassport` leaves the mine's passport hash as it was."""

    focus = frozenset({"set_mine_passport"})

    def _update_mine(self, mine_id: int, **fields: Any) -> None:
        fields.pop("passport_hash", None)
        super()._update_mine(mine_id, **fields)


class _ForgetsGrantedRegistrars(FilonMachine):
    """A wrong model: only the deployer is ever a registrar (grants and revocations of the role ignored)."""

    focus = frozenset(
        {"change_admin_role", "register_participant", "set_capacity", "set_mine_passport", "update_permit"}
    )

    def _registrar_guard(self, caller: str) -> tuple[str, dict[str, Any]] | None:
        if caller != "registrar":
            return "AccessControlUnauthorizedAccount", {
                "account": self.addr[caller],
                "neededRole": REGISTRAR_ROLE,
            }
        return None


class _ForgetsTheReceiverCheck(FilonMachine):
    """A wrong model: `safeTransferFrom` to a contract that does not implement `onERC721Received` succeeds."""

    focus = frozenset({"transfer"})

    def _accepts_lots(self, account: str) -> bool:
        return True


class _ForgetsTheIdBlockBoundary(FilonMachine):
    """A wrong model: once a holder has a block of lot ids, its ids run on past the block's end (as if one
    counter per holder), instead of opening a fresh block."""

    focus = frozenset({"transform", "submit_declaration"})

    def _next_id(self, holder: str) -> int:
        if self.id_cursor.get(holder, (0, 0))[1] == 0 and holder in self.id_cursor:
            nxt, _ = self.id_cursor[holder]
            self.id_cursor[holder] = (nxt + 1, 0)
            return nxt
        return super()._next_id(holder)


class _ForgetsEmptyRoots(FilonMachine):
    """A wrong model: a zero passport root is accepted."""

    focus = frozenset({"declare", "submit_declaration", "transform", "record_passport"})

    def _root_error(self, root: bytes) -> tuple[str, dict[str, Any]] | None:
        return None


# Each wrong model, and what the fuzzer reports against it. A wrong model is only detected once the machine
# reaches what it gets wrong: its test runs only the rules of the family concerned (`focus`), from the seed
# (lots, mines, an operator approved for all the plant's lots, the plant at the end of its block of ids), so
# that a change elsewhere in the rules (which reshuffles the derandomized sequence) cannot make a detection
# vanish by bad luck; each is found in the first examples, the budget of `MUTANT_EXAMPLES` is a ceiling.
MUTANT_EXAMPLES = 1_000
MUTANTS = {
    # The chain refuses a declaration over what is left of the capacity; the model allows it, or expects the
    # refusal with the wrong `remainingMg`.
    "capacity": (
        _ForgetsTheYearsDeclarations,
        r"(declareLot|submitDeclaration)\(.*, chain reverted \('CapacityExceeded'",
    ),
    # The chain lets the approved operator move or transform a lot: it succeeds, or fails only at a rule
    # checked after the approval (the receiver's admission, the `from` address, ...); the model expects a
    # refusal for want of approval.
    "approval-for-all": (
        _ForgetsApprovalForAll,
        r"by operator: predicted \('(ERC721InsufficientApproval|NotHolder)'.*, chain "
        r"(succeeded|reverted \('(?!ERC721InsufficientApproval|NotHolder))",
    ),
    # The mine's record on the chain counts the relayed lot this year.
    "relayed-capacity": (_ForgetsRelayedDeclarations, r"mine \d+ declaredThisYearMg"),
    # The nonce on the chain moved on.
    "cancelled-nonce": (_ForgetsCancelledNonces, r"nonce of|InvalidAccountNonce"),
    # On the chain, a new year's record starts at zero.
    "new-year": (_ForgetsTheNewYear, r"mine \d+ declaredThisYearMg|CapacityExceeded"),
    # The chain refuses the declaration.
    "permit-expiry": (_ForgetsPermitExpiry, r"chain reverted \('PermitExpired'"),
    "mine-passport": (_ForgetsMinePassports, r"mine \d+ passportHash"),
    # A granted registrar acts, or a revoked one is refused.
    "granted-registrar": (_ForgetsGrantedRegistrars, r"AccessControlUnauthorizedAccount"),
    "safe-transfer": (
        _ForgetsTheReceiverCheck,
        r"predicted success, chain reverted \('ERC721InvalidReceiver'",
    ),
    # The chain mints from a fresh block: other ids than predicted (or an id the model already has).
    "id-block": (_ForgetsTheIdBlockBoundary, r"lot id \d+ minted twice|events of"),
    "empty-root": (_ForgetsEmptyRoots, r"predicted success, chain reverted \('EmptyPassportRoot'"),
}


@pytest.mark.parametrize(("wrong_model", "failure"), list(MUTANTS.values()), ids=list(MUTANTS))
def test_the_fuzzer_finds_a_model_that_disagrees_with_the_contract(
    anvil_lots: AnvilLots, wrong_model: type[FilonMachine], failure: str
) -> None:
    """The machine is only as good as its power to fail: against a deliberately wrong model, it finds a
    disagreement (deterministically: derandomized, no shrinking, no example database)."""
    _start(wrong_model, anvil_lots)
    budget = settings(
        PROFILE, max_examples=MUTANT_EXAMPLES, derandomize=True, database=None, phases=[Phase.generate]
    )
    with pytest.raises(AssertionError, match=failure):
        run_state_machine_as_test(wrong_model, settings=budget)
