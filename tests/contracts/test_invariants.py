"""Stateful fuzzing of FilonLots against a Python model, checking the six invariants of DESIGN.md.

A Hypothesis `RuleBasedStateMachine` drives the registrar, four mine operators, the plant, the refiner, the
manufacturer, an outsider and an ERC-721 operator (never admitted) through random sequences of registry and
lot operations on Ape's in-process EVM. Each rule predicts, from a small model, either success (and the exact
events) or the exact custom error with its arguments, and compares with what the chain did. After every step
the invariants are checked against the chain.

`FilonLots` is deployed once per module (the `lots` fixture); every Hypothesis example starts from a chain
snapshot taken after deployment. Profiles: the default (run by `make test`), `FILON_FUZZ=long` for nightly
runs; `CI=true` derandomizes so CI is reproducible.
"""

from __future__ import annotations

import copy
import os
from ast import literal_eval
from typing import Any, ClassVar

import ape
from ape.exceptions import ContractLogicError, CustomError
from ape.logging import LogLevel, logger
from eth_utils import keccak
from hexbytes import HexBytes
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

ZERO = "0x0000000000000000000000000000000000000000"
REGISTRAR_ROLE = keccak(text="REGISTRAR_ROLE")
TEN_YEARS = 10 * 365 * 86_400
LOT_ID_BLOCK = 100
MAX_TRANSFORM_LOTS = 64
UNKNOWN_LOT = 999_999
# IFilonRegistry.MineStatus
ACTIVE, SUSPENDED, REVOKED = 1, 2, 3

# ---------------------------------------------------------------- profiles

_LONG = os.environ.get("FILON_FUZZ") == "long"
_CI = os.environ.get("CI", "").lower() == "true"
# 200 examples x 30 steps takes ~5 minutes on the in-process EVM of a 2-core machine (~90 ms a transaction,
# ~25 ms a view call), so the default runs the largest that fits `make test`'s ~120 s budget.
settings.register_profile(
    "filon-default",
    max_examples=50,
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
    PROFILE = settings(PROFILE, phases=[Phase.explicit, Phase.reuse, Phase.generate])

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
}
# Roles the `lots` fixture admits (IFilonRegistry.Role).
INITIAL_ROLES = {
    "miner": 1,
    "miner2": 1,
    "miner3": 1,
    "miner4": 1,
    "plant": 2,
    "refiner": 3,
    "manufacturer": 5,
}
PARTIES = [name for name in ACTOR_INDEX if name != "registrar"]
OPERATOR_CANDIDATES = ["miner", "miner2", "miner3", "miner4", "plant", "outsider"]
REGISTRAR_CALLERS = ["registrar", "registrar", "registrar", "outsider"]

parties = st.sampled_from(PARTIES)
picks = st.integers(min_value=0, max_value=10_000)


# ---------------------------------------------------------------- chain helpers


def _normalize(value: Any) -> Any:
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, list | tuple):
        return [_normalize(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    return value


def _revert_data(raised: Any) -> bytes | None:
    message = str(raised.revert_message or "")
    if message.startswith("0x"):
        return bytes(HexBytes(message))
    if message.startswith(("b'", 'b"')):
        return bytes(literal_eval(message))
    return None


def _error_of(raised: Any, contract: Any) -> tuple[str, dict[str, Any]]:
    """The custom error `raised` carries, as `(name, {argument: value})`."""
    if isinstance(raised, CustomError):
        return type(raised).__name__, {k: _normalize(v) for k, v in dict(raised.inputs).items()}
    data = _revert_data(raised)
    if data is not None:
        ecosystem = ape.chain.provider.network.ecosystem
        for abi in contract.contract_type.errors:
            if keccak(text=abi.selector)[:4] == data[:4]:
                decoded = ecosystem.decode_calldata(abi, data[4:])
                return abi.name, {k: _normalize(v) for k, v in dict(decoded).items()}
    return "<undecoded>", {"message": str(raised)}


# ---------------------------------------------------------------- the machine


class FilonMachine(RuleBasedStateMachine):
    """Model of the registry and the lots; each rule sends one transaction and checks the prediction."""

    lots: ClassVar[Any]
    accounts: ClassVar[Any]
    base_snapshot: ClassVar[Any]
    seed: ClassVar[dict[str, Any]] = {}

    def __init__(self) -> None:
        super().__init__()
        cls = type(self)
        ape.chain.restore(cls.base_snapshot)
        cls.base_snapshot = ape.chain.snapshot()
        self.addr = {name: cls.accounts[i].address for name, i in ACTOR_INDEX.items()}
        self.name_of = {a: n for n, a in self.addr.items()}
        self.role = {self.addr[n]: INITIAL_ROLES.get(n, 0) for n in PARTIES}
        # Mines: id -> {operator, capacity, status, declared}; operator address -> mine id (for good).
        self.mines: dict[int, dict[str, Any]] = {}
        self.mine_of: dict[str, int] = {}
        # Lots: id -> {holder (ZERO once consumed), fine, mine, parents, version, root, form, consumed}.
        self.lot: dict[int, dict[str, Any]] = {}
        self.approved: dict[int, str] = {}
        self.for_all: set[tuple[str, str]] = set()
        self.balance = {a: 0 for a in self.role}
        self.refs: dict[tuple[str, str], int] = {}
        # Lot id blocks: global counter and, per holder, (next id, ids left).
        self.id_blocks = 0
        self.id_cursor: dict[str, tuple[int, int]] = {}
        self.declared_total = 0
        self.transformations: list[tuple[int, int]] = []  # (input mg, output mg)
        self.received_by: list[tuple[int, str, int]] = []  # (lot, receiver, its role when it received)
        self.seen_versions: dict[int, int] = {}
        self.touched_lots: set[int] = set()
        self.touched_mines: set[int] = set()
        self.touched_accounts: set[str] = set()  # holders whose balance changed (lots they gave away)
        self.pending_events: list[tuple[Any, list[tuple[str, dict[str, Any]]]]] = []
        self.counter = 0
        if cls.seed:
            # Start from the seeded chain state (mines and lots made before the snapshot), not from scratch.
            self.__dict__.update(copy.deepcopy(cls.seed))

    # ------------------------------------------------------------ helpers

    def _root(self) -> bytes:
        self.counter += 1
        return keccak(text=f"fuzz-passport:{self.counter}")

    def _send(
        self,
        method: str,
        *args: Any,
        sender: str,
        error: tuple[str, dict[str, Any]] | None,
        events: list[tuple[str, dict[str, Any]]] | None = None,
    ) -> Any:
        """Sends it; asserts it reverts with exactly `error`, or succeeds when `error` is None."""
        try:
            receipt = getattr(self.lots, method)(*args, sender=self.accounts[ACTOR_INDEX[sender]])
        except ContractLogicError as raised:
            got = _error_of(raised, self.lots)
            assert error is not None, f"{method}{args} by {sender}: predicted success, chain reverted {got}"
            assert got == error, f"{method}{args} by {sender}: predicted {error}, chain reverted {got}"
            return None
        assert error is None, f"{method}{args} by {sender}: predicted {error}, chain succeeded"
        self.pending_events.append((receipt, events or []))
        return receipt

    def _pick_lot(self, pick: int) -> int:
        """A known lot (live or consumed), or now and then one never minted."""
        ids = sorted(self.lot)
        return UNKNOWN_LOT if not ids or pick >= 9_500 else ids[pick % len(ids)]

    def _not_live(self, lot_id: int) -> tuple[str, dict[str, Any]]:
        if lot_id not in self.lot:
            return "UnknownLot", {"lotId": lot_id}
        return "LotConsumed", {"lotId": lot_id}

    def _holder(self, lot_id: int) -> str:
        return self.lot[lot_id]["holder"] if lot_id in self.lot else ZERO

    def _authorized(self, holder: str, spender: str, lot_id: int) -> bool:
        return spender == holder or (holder, spender) in self.for_all or self.approved.get(lot_id) == spender

    def _next_id(self, holder: str) -> int:
        nxt, left = self.id_cursor.get(holder, (0, 0))
        if left == 0:
            nxt, left = self.id_blocks * LOT_ID_BLOCK + 1, LOT_ID_BLOCK
            self.id_blocks += 1
        self.id_cursor[holder] = (nxt + 1, left - 1)
        return nxt

    def _mint(self, holder: str, **fields: Any) -> int:
        lot_id = self._next_id(holder)
        assert lot_id not in self.lot, f"lot id {lot_id} minted twice"
        self.lot[lot_id] = {"holder": holder, "version": 1, "consumed": False, **fields}
        self.balance[holder] += 1
        self.received_by.append((lot_id, holder, self.role[holder]))
        self.touched_lots.add(lot_id)
        return lot_id

    def _registrar_guard(self, caller: str) -> tuple[str, dict[str, Any]] | None:
        if caller != "registrar":
            return "AccessControlUnauthorizedAccount", {
                "account": self.addr[caller],
                "neededRole": REGISTRAR_ROLE,
            }
        return None

    # ------------------------------------------------------------ registry rules

    @rule(caller=st.sampled_from(REGISTRAR_CALLERS), who=parties, role=st.integers(0, 5))
    def register_participant(self, caller: str, who: str, role: int) -> None:
        account = self.addr[who]
        error = self._registrar_guard(caller) or (("InvalidRole", {"role": 0}) if role == 0 else None)
        events = [("ParticipantRegistered", {"account": account, "role": role})]
        if self._send("registerParticipant", account, role, sender=caller, error=error, events=events):
            self.role[account] = role

    @rule(caller=st.sampled_from(REGISTRAR_CALLERS), who=parties)
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

    @rule(
        caller=st.sampled_from(REGISTRAR_CALLERS),
        who=st.sampled_from(OPERATOR_CANDIDATES),
        capacity=st.sampled_from([0, 1, 40_000, 100_000, 1_000_000]),
    )
    def register_mine(self, caller: str, who: str, capacity: int) -> None:
        operator = self.addr[who]
        mine_id = len(self.mines) + 1
        expiry = ape.chain.pending_timestamp + TEN_YEARS
        permit, location, passport = (keccak(text=f"{kind}:{mine_id}") for kind in ("permit", "loc", "mine"))
        error = self._registrar_guard(caller)
        if error is None and self.role[operator] != 1:
            error = ("NotMineOperatorRole", {"account": operator})
        if error is None and operator in self.mine_of:
            error = ("OperatorHasMine", {"operator": operator, "mineId": self.mine_of[operator]})
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
                "declared": 0,
            }
            self.mine_of[operator] = mine_id
            self.touched_mines.add(mine_id)

    def _mine_error(self, caller: str, mine_id: int) -> tuple[str, dict[str, Any]] | None:
        error = self._registrar_guard(caller)
        if error is None and mine_id not in self.mines:
            error = ("UnknownMine", {"mineId": mine_id})
        return error

    @rule(
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
            self.mines[mine_id]["status"] = to
            self.touched_mines.add(mine_id)

    @rule(
        caller=st.sampled_from(REGISTRAR_CALLERS),
        mine_id=st.integers(0, 6),
        capacity=st.sampled_from([0, 1, 10_000, 50_000, 1_000_000]),
    )
    def set_capacity(self, caller: str, mine_id: int, capacity: int) -> None:
        error = self._mine_error(caller, mine_id)
        if error is None and capacity == 0:
            error = ("InvalidCapacity", {"capacityMg": 0})
        events = [("MineCapacityUpdated", {"mineId": mine_id, "capacityMg": capacity})]
        if self._send("setMineCapacity", mine_id, capacity, sender=caller, error=error, events=events):
            self.mines[mine_id]["capacity"] = capacity
            self.touched_mines.add(mine_id)

    # ------------------------------------------------------------ lot rules

    @rule(
        who=st.sampled_from(OPERATOR_CANDIDATES),
        own_mine=st.booleans(),
        other_mine=st.integers(0, 6),
        fine=st.one_of(st.just(0), st.integers(1, 60_000)),
        extra=st.integers(-2, 100_000),
        ref=st.sampled_from(["", "", "", "R1", "R2"]),
    )
    def declare(self, who: str, own_mine: bool, other_mine: int, fine: int, extra: int, ref: str) -> None:
        sender = self.addr[who]
        mine_id = self.mine_of.get(sender, other_mine) if own_mine else other_mine
        gross = max(fine + extra, 0)
        root, uri = self._root(), "ipfs://ore"
        error = None
        if fine == 0 or fine > gross:
            error = ("InvalidMass", {"fineGoldMg": fine, "grossMassMg": gross})
        elif mine_id == 0 or self.mine_of.get(sender) != mine_id:
            if mine_id not in self.mines:
                error = ("UnknownMine", {"mineId": mine_id})
            else:
                error = ("NotMineOperator", {"mineId": mine_id, "account": sender})
        elif self.role[sender] != 1:
            error = ("NotMineOperatorRole", {"account": sender})
        elif self.mines[mine_id]["status"] != ACTIVE:
            error = ("MineNotActive", {"mineId": mine_id, "status": self.mines[mine_id]["status"]})
        else:
            mine = self.mines[mine_id]
            remaining = mine["capacity"] - mine["declared"]
            if fine > remaining:
                error = (
                    "CapacityExceeded",
                    {"mineId": mine_id, "requestedMg": fine, "remainingMg": max(remaining, 0)},
                )
            elif ref and (sender, ref) in self.refs:
                error = (
                    "DuplicateExternalRef",
                    {"issuer": sender, "externalRef": ref, "lotId": self.refs[sender, ref]},
                )
        # Predict the id without committing the model's id cursor until the chain agrees.
        saved = (self.id_blocks, dict(self.id_cursor))
        lot_id = self._next_id(sender)
        self.id_blocks, self.id_cursor = saved
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
            mine = self.mines[mine_id]
            # Invariant 3 at the moment of declaration: active mine, its operator, within capacity.
            assert mine["status"] == ACTIVE and mine["operator"] == sender
            assert mine["declared"] + fine <= mine["capacity"]
            minted = self._mint(sender, fine=fine, mine=mine_id, parents=[], root=root, form=0)
            assert minted == lot_id
            mine["declared"] += fine
            self.declared_total += fine
            self.touched_mines.add(mine_id)
            if ref:
                self.refs[sender, ref] = lot_id

    @rule(
        sender=st.one_of(st.just("holder"), st.just("operator"), parties),
        pick=picks,
        to=parties,
        wrong_from=st.booleans(),
    )
    def transfer(self, sender: str, pick: int, to: str, wrong_from: bool) -> None:
        lot_id = self._pick_lot(pick)
        holder = self._holder(lot_id)
        caller = self.name_of.get(holder, "outsider") if sender == "holder" else sender
        spender, receiver = self.addr[caller], self.addr[to]
        claimed = self.addr["outsider"] if wrong_from and holder != self.addr["outsider"] else holder
        if holder == ZERO:
            claimed = self.addr["plant"]
        error = None
        if holder == ZERO:
            error = self._not_live(lot_id)
        elif not self._authorized(holder, spender, lot_id):
            error = ("ERC721InsufficientApproval", {"operator": spender, "tokenId": lot_id})
        elif self.role[receiver] == 0:
            error = ("NotParticipant", {"account": receiver})
        elif claimed != holder:
            error = ("ERC721IncorrectOwner", {"sender": claimed, "tokenId": lot_id, "owner": holder})
        events = [("Transfer", {"from": holder, "to": receiver, "tokenId": lot_id})]
        if self._send("transferFrom", claimed, receiver, lot_id, sender=caller, error=error, events=events):
            self.lot[lot_id]["holder"] = receiver
            self.touched_accounts.add(holder)
            self.approved.pop(lot_id, None)
            self.balance[holder] -= 1
            self.balance[receiver] += 1
            self.received_by.append((lot_id, receiver, self.role[receiver]))
            self.touched_lots.add(lot_id)

    @rule(sender=st.one_of(st.just("holder"), parties), pick=picks, spender=parties)
    def approve(self, sender: str, pick: int, spender: str) -> None:
        lot_id = self._pick_lot(pick)
        holder = self._holder(lot_id)
        caller = self.name_of.get(holder, "outsider") if sender == "holder" else sender
        approver, approved = self.addr[caller], self.addr[spender]
        error = None
        if holder == ZERO:
            error = ("ERC721NonexistentToken", {"tokenId": lot_id})
        elif approver != holder and (holder, approver) not in self.for_all:
            error = ("ERC721InvalidApprover", {"approver": approver})
        events = [("Approval", {"owner": holder, "approved": approved, "tokenId": lot_id})]
        if self._send("approve", approved, lot_id, sender=caller, error=error, events=events):
            self.approved[lot_id] = approved

    @rule(owner=parties, flag=st.booleans())
    def set_approval_for_all(self, owner: str, flag: bool) -> None:
        owner_addr, operator = self.addr[owner], self.addr["operator"]
        events = [("ApprovalForAll", {"owner": owner_addr, "operator": operator, "approved": flag})]
        if self._send("setApprovalForAll", operator, flag, sender=owner, error=None, events=events):
            (self.for_all.add if flag else self.for_all.discard)((owner_addr, operator))

    @rule(
        sender=st.sampled_from(["holder", "holder", "holder", "operator", *PARTIES]),
        input_picks=st.lists(picks, min_size=1, max_size=3),
        no_inputs=st.integers(0, 19),
        outputs=st.integers(1, 3),
        mode=st.sampled_from(["conserve", "conserve", "over", "bad_mass"]),
        loss=st.integers(0, 3),
        form=st.integers(1, 4),
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
    ) -> None:
        inputs = [] if no_inputs == 0 else [self._pick_lot(p) for p in input_picks]
        holder = self._holder(inputs[0]) if inputs else ZERO
        caller = self.name_of.get(holder, "outsider") if sender == "holder" else sender
        spender = self.addr[caller]
        live_fine = sum(self.lot[i]["fine"] for i in set(inputs) if self._holder(i) != ZERO)
        total = live_fine + 1 if mode == "over" else max(live_fine - loss, 0)
        fines = [total // outputs + (total % outputs if j == 0 else 0) for j in range(outputs)]
        grosses = [f * 2 for f in fines]
        if mode == "bad_mass" and fines[0] > 0:
            grosses[0] = fines[0] - 1
        root, uri = self._root(), "ipfs://transformed"
        error = None
        if not inputs:
            error = ("InvalidTransformation", {"inputs": 0, "outputs": outputs, "max": MAX_TRANSFORM_LOTS})
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
        if not error and self.role[holder] == 0:
            error = ("NotParticipant", {"account": holder})
        saved = (self.id_blocks, dict(self.id_cursor))
        new_ids = [self._next_id(holder) for _ in fines] if not error else []
        self.id_blocks, self.id_cursor = saved
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
        lot_outputs = [(form, f, g) for f, g in zip(fines, grosses, strict=True)]
        if self._send("transform", inputs, lot_outputs, root, uri, sender=caller, error=error, events=events):
            self.touched_accounts.add(holder)
            for lot_id in inputs:
                self.lot[lot_id].update(holder=ZERO, consumed=True)
                self.approved.pop(lot_id, None)
                self.balance[holder] -= 1
                self.touched_lots.add(lot_id)
            for fine in fines:
                self._mint(holder, fine=fine, mine=0, parents=list(inputs), root=root, form=form)
            self.transformations.append((input_mg, sum(fines)))

    @rule(sender=st.one_of(st.just("holder"), st.just("holder"), parties), pick=picks)
    def record_passport(self, sender: str, pick: int) -> None:
        lot_id = self._pick_lot(pick)
        holder = self._holder(lot_id)
        caller = self.name_of.get(holder, "outsider") if sender == "holder" else sender
        account = self.addr[caller]
        root, uri = self._root(), "ipfs://v"
        error = None
        if holder == ZERO:
            error = self._not_live(lot_id)
        elif holder != account:
            error = ("NotHolder", {"lotId": lot_id, "account": account, "holder": holder})
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

    # ------------------------------------------------------------ invariants

    @invariant()
    def every_state_change_emitted_its_events(self) -> None:
        """Invariant 6: each successful transaction emitted exactly the events the model expects."""
        for receipt, expected in self.pending_events:
            got = [
                (log.event_name, {k: _normalize(v) for k, v in log.event_arguments.items()})
                for log in receipt.events
            ]
            assert got == expected, f"events of {receipt.txn_hash}: expected {expected}, got {got}"
        self.pending_events.clear()

    @invariant()
    def lots_match_the_chain(self) -> None:
        """Invariants 2, 4, 5 on the chain: records, holders and balances as the model says."""
        holders = {self.lot[i]["holder"] for i in self.touched_lots} | self.touched_accounts
        self._check_lots(self.touched_lots)
        self.touched_lots.clear()
        self._check_balances(holders - {ZERO})
        self.touched_accounts.clear()

    def _check_balances(self, accounts: set[str]) -> None:
        for account in sorted(accounts):
            assert self.lots.balanceOf(account) == self.balance[account], (
                f"balance of {self.name_of[account]}"
            )

    def _check_lots(self, lot_ids: set[int], owner_of: bool = False) -> None:
        for lot_id in sorted(lot_ids):
            expected = self.lot[lot_id]
            got = self.lots.lot(lot_id)
            assert bool(got.consumed) == expected["consumed"]
            assert bytes(got.passportRoot) == expected["root"]
            if expected["consumed"]:
                # A consumed lot's slot is cleared; its last root stays; its id answers as nonexistent.
                assert (got.holder, got.fineGoldMg, got.passportVersion) == (ZERO, 0, 0)
                continue
            assert got.holder == expected["holder"]
            if owner_of:
                assert self.lots.ownerOf(lot_id) == expected["holder"]
            assert (got.fineGoldMg, got.mineId, got.form) == (
                expected["fine"],
                expected["mine"],
                expected["form"],
            )
            assert got.passportVersion == expected["version"] >= self.seen_versions.get(lot_id, 1)
            self.seen_versions[lot_id] = int(got.passportVersion)

    @invariant()
    def mines_match_the_chain(self) -> None:
        """Invariant 3 on the chain: each mine's declared fine gold, status, operator."""
        for mine_id in sorted(self.touched_mines):
            expected = self.mines[mine_id]
            got = self.lots.mine(mine_id)
            assert got.declaredThisYearMg == expected["declared"], f"mine {mine_id} declared"
            assert (got.status, got.operator, got.capacityMg) == (
                expected["status"],
                expected["operator"],
                expected["capacity"],
            )
        self.touched_mines.clear()

    @invariant()
    def model_invariants(self) -> None:
        """Invariants 1-5 over the whole model (kept equal to the chain by the checks above)."""
        live = {i: lot for i, lot in self.lot.items() if not lot["consumed"]}
        # 1. every live lot traces back through parents to a registered mine.
        for lot_id in live:
            frontier, mines = [lot_id], set()
            while frontier:
                current = self.lot[frontier.pop()]
                if current["mine"]:
                    mines.add(current["mine"])
                else:
                    assert current["parents"], f"lot {lot_id} has neither mine nor parents"
                    frontier.extend(current["parents"])
            assert mines and mines <= set(self.mines), f"lot {lot_id} traces to {mines}"
        # 2. fine gold conserved, overall and per transformation; consumed lots hold nothing.
        assert sum(lot["fine"] for lot in live.values()) <= self.declared_total
        assert all(out <= into for into, out in self.transformations)
        # 3. a mine's declarations only ever came within capacity (checked at each declaration), and the
        # declared total is the sum of its ore lots.
        for mine_id, mine in self.mines.items():
            ore = sum(lot["fine"] for lot in self.lot.values() if lot["mine"] == mine_id)
            assert ore == mine["declared"]
        # 4. every receiver was admitted when it received; balances are the live lots held.
        assert all(role != 0 for _, _, role in self.received_by)
        for account, count in self.balance.items():
            assert count == sum(1 for lot in live.values() if lot["holder"] == account)

    def teardown(self) -> None:
        """A full sweep once per example: every lot (with `ownerOf`), balance, mine and role. The per-step
        invariants read only what the step touched: each view call costs ~25 ms on the in-process EVM."""
        if not self.pending_events:
            self._check_lots(set(self.lot), owner_of=True)
            self._check_balances(set(self.balance))
            self.touched_mines = set(self.mines)
            self.mines_match_the_chain()
            for account, role in self.role.items():
                assert self.lots.roleOf(account) == role


MODEL_FIELDS = [
    *("role", "mines", "mine_of", "lot", "approved", "for_all", "balance", "refs", "id_blocks", "id_cursor"),
    *("declared_total", "transformations", "received_by", "seen_versions", "counter"),
]


def _seed(machine_class: type[FilonMachine]) -> None:
    """Two mines and a few lots, made once through the rules themselves, so that every example starts where
    transformations and transfers are reachable in a few steps; the snapshot then moves past them."""
    seed = machine_class()
    seed.register_mine(caller="registrar", who="miner", capacity=1_000_000)
    seed.register_mine(caller="registrar", who="miner2", capacity=100_000)
    for who, fine in (("miner", 40_000), ("miner", 25_000), ("miner2", 30_000), ("miner2", 10_000)):
        seed.declare(who=who, own_mine=True, other_mine=0, fine=fine, extra=fine, ref="")
    seed.transfer(sender="holder", pick=2, to="plant", wrong_from=False)
    seed.transfer(sender="holder", pick=3, to="plant", wrong_from=False)
    seed.every_state_change_emitted_its_events()
    seed.lots_match_the_chain()
    seed.mines_match_the_chain()
    seed.model_invariants()
    seed.teardown()
    machine_class.seed = copy.deepcopy({name: getattr(seed, name) for name in MODEL_FIELDS})
    machine_class.base_snapshot = ape.chain.snapshot()


def test_invariants_hold_under_random_operations(lots: Any, accounts: Any, chain: Any) -> None:
    FilonMachine.lots = lots
    FilonMachine.accounts = accounts
    FilonMachine.base_snapshot = chain.snapshot()
    FilonMachine.seed = {}
    _seed(FilonMachine)
    level = logger.level
    logger.set_level(LogLevel.WARNING)  # no line per confirmed transaction
    try:
        run_state_machine_as_test(FilonMachine, settings=PROFILE)
    finally:
        logger.set_level(level)
