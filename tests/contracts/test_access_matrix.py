"""Access-control matrix of FilonLots: who may call each state-changing function, and what everyone else gets.

`SPEC` is the specification, one row per function (and a few more rows, `function@case`, where the same
function meets a rule only other arguments reach): the call (always with the same arguments), the actors
allowed to make it, and the exact custom error (with all its arguments) every other actor gets — one error for
all of them, or a mapping from actor to error with `"*"` for the rest. The test runs every (row, actor) cell
from the same snapshot of `scene` (Ape reverts the chain after each test), so no cell depends on another. An
allowed call must succeed and emit at least one event (invariant 6).

The scene: mine 1 is run by `operator`, mine 2 by `other_operator`; lot `LOT` was declared from mine 1 and
passed to `holder` (a second processing plant), who approved `approved` for it (ERC-721 `approve`) and
`approved_for_all` for all its lots (`setApprovalForAll`). `approved`, `approved_for_all` and `outsider` are
not admitted participants; `registrar` deployed the contract and holds DEFAULT_ADMIN_ROLE and REGISTRAR_ROLE
but no participant role. `operator` has signed an offline declaration of an ore lot from mine 1 for
`processor`. `removed_holder` was admitted, received lot `REMOVED_LOT` from `operator`, and was then removed
(its admission withdrawn). `auditor` and `laboratory` are admitted attesters; `auditor` anchored credential
`ANCHORED` about `LOT`. `refiner` holds `BAR`, a refined lot without a serial number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from eth_account import Account
from eth_utils import keccak, to_checksum_address

import filon

MINE_OPERATOR, PROCESSOR, REFINER, TRADER, MANUFACTURER, AUDITOR, LABORATORY = 1, 2, 3, 4, 5, 6, 7  # Role
LOT_SUBJECT = 1  # anchorAttestation's subject kind for a lot
ANCHORED = keccak(text="credential:anchored")
REFINED = 3  # IFilonLots.Form.Refined
DEFAULT_ADMIN_ROLE = bytes(32)
REGISTRAR_ROLE = keccak(text="REGISTRAR_ROLE")
CAPACITY_MG = 1_000_000
YEAR = 365 * 86_400


def _address(label: str) -> str:
    """A fixed address nobody holds a key for: the target of a call, never a caller."""
    return to_checksum_address(keccak(text=label)[:20])


NEWCOMER = _address("newcomer")  # not admitted: the one registerParticipant / grantRole / approvals name
RETIREE = _address("retiree")  # an admitted trader with no lots, whom removeParticipant removes
CANDIDATE = _address("candidate")  # an admitted mine operator without a mine, for registerMine
DORMANT = _address("dormant")  # the operator of mine 3, which is suspended

ACTORS = (
    "registrar",  # deployer: DEFAULT_ADMIN_ROLE + REGISTRAR_ROLE, not a participant
    "operator",  # mine operator of mine 1, the mine of LOT
    "other_operator",  # mine operator of mine 2
    "processor",
    "refiner",
    "trader",
    "manufacturer",
    "holder",  # holds LOT (admitted as a processor)
    "approved",  # ERC-721 approved for LOT only (not admitted)
    "approved_for_all",  # approved for all of holder's lots (not admitted)
    "outsider",  # not admitted, no approval, no role
    "removed_holder",  # holds REMOVED_LOT, but its admission was withdrawn
    "auditor",  # an attester: anchored ANCHORED
    "laboratory",  # an attester
)


class _Ref:
    """A placeholder in an expected error, resolved when the cell runs."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


ACTOR, HOLDER, LOT, MINE = _Ref("ACTOR"), _Ref("HOLDER"), _Ref("LOT"), _Ref("MINE")
REGISTRAR_ADDRESS, PROCESSOR_ADDRESS = _Ref("REGISTRAR_ADDRESS"), _Ref("PROCESSOR_ADDRESS")
REMOVED, REMOVED_LOT = _Ref("REMOVED"), _Ref("REMOVED_LOT")
AUDITOR_ADDRESS = _Ref("AUDITOR_ADDRESS")
BAR, REFINER_ADDRESS = _Ref("BAR"), _Ref("REFINER_ADDRESS")


@dataclass(frozen=True)
class Denied:
    """The custom error every actor not allowed gets, with all its arguments."""

    error: str
    args: dict[str, Any] = field(default_factory=dict)


def denied(error: str, **args: Any) -> Denied:
    return Denied(error, args)


ANYONE = frozenset(ACTORS)
REGISTRAR = frozenset({"registrar"})
NOBODY: frozenset[str] = frozenset()
PARTICIPANTS = frozenset(ACTORS) - {"registrar", "approved", "approved_for_all", "outsider", "removed_holder"}
HOLDER_AND_OPERATORS = frozenset({"holder", "approved", "approved_for_all"})

NOT_REGISTRAR = denied("AccessControlUnauthorizedAccount", account=ACTOR, neededRole=REGISTRAR_ROLE)
NOT_ADMIN = denied("AccessControlUnauthorizedAccount", account=ACTOR, neededRole=DEFAULT_ADMIN_ROLE)
NOT_APPROVED = denied("ERC721InsufficientApproval", operator=ACTOR, tokenId=LOT)
NOT_HOLDER = denied("NotHolder", lotId=LOT, account=ACTOR, holder=HOLDER)
NOT_APPROVER = denied("ERC721InvalidApprover", approver=ACTOR)
HOLDER_ONLY = frozenset({"holder"})
ATTESTERS = frozenset({"auditor", "laboratory"})
HOLDER_AND_ALL_LOTS_OPERATOR = frozenset({"holder", "approved_for_all"})


def _calls(s: SimpleNamespace) -> dict[str, tuple[str, tuple[Any, ...]]]:
    """The call made in every cell of a row: (contract method, arguments)."""
    root = keccak(text="passport:v2")
    return {
        "registerParticipant": ("registerParticipant", (NEWCOMER, TRADER)),
        "removeParticipant": ("removeParticipant", (RETIREE,)),
        "registerMine": (
            "registerMine",
            (CANDIDATE, keccak(text="permit"), s.expiry, b"BO", keccak(text="loc"), CAPACITY_MG, root),
        ),
        "updatePermit": ("updatePermit", (s.mine, keccak(text="permit:renewed"), s.expiry + YEAR)),
        "setMineCapacity": ("setMineCapacity", (s.mine, 2 * CAPACITY_MG)),
        "setMinePassport": ("setMinePassport", (s.mine, keccak(text="mine-passport:v2"))),
        "suspendMine": ("suspendMine", (s.mine,)),
        "reactivateMine": ("reactivateMine", (s.suspended_mine,)),
        "revokeMine": ("revokeMine", (s.mine,)),
        "declareLot": ("declareLot", (s.mine, 1_000, 2_000, root, "ipfs://ore", "")),
        "submitDeclaration": (
            "submitDeclaration",
            (s.declaration.as_contract_tuple(), "ipfs://offline", s.declaration.signature),
        ),
        "cancelDeclaration": ("cancelDeclaration", (0,)),
        "recordPassport": ("recordPassport", (s.lot, root, "ipfs://v2")),
        "transferFrom": ("transferFrom", (s.holder, s.refiner, s.lot)),
        "safeTransferFrom": ("safeTransferFrom", (s.holder, s.refiner, s.lot)),
        "approve": ("approve", (NEWCOMER, s.lot)),
        "setApprovalForAll": ("setApprovalForAll", (NEWCOMER, True)),
        "transform": ("transform", ([s.lot], [(REFINED, 900, 950)], root, "ipfs://refined")),
        "assignSerialNumber": ("assignSerialNumber", (s.bar, "RAM-2026-000123")),
        "assignSerialNumber@holder": ("assignSerialNumber", (s.lot, "RAM-2026-000123")),
        "registerParticipant@registrar": ("registerParticipant", (s.registrar, TRADER)),
        "grantRole@participant": ("grantRole", (REGISTRAR_ROLE, s.processor)),
        "recordPassport@removed": ("recordPassport", (s.removed_lot, root, "ipfs://v2")),
        "transferFrom@removed": ("transferFrom", (s.removed_holder, s.refiner, s.removed_lot)),
        "transform@removed": ("transform", ([s.removed_lot], [(REFINED, 900, 950)], root, "ipfs://refined")),
        "publishParticipantRecord": ("publishParticipantRecord", (s.holder, keccak(text="record"))),
        "publishParticipantRecord@removed": (
            "publishParticipantRecord",
            (s.removed_holder, keccak(text="record")),
        ),
        "recordRegisterSnapshot": ("recordRegisterSnapshot", (keccak(text="register"), s.snapshot_date)),
        "multicall": (
            "multicall",
            ([s.lots.recordRegisterSnapshot.encode_input(keccak(text="register"), s.snapshot_date)],),
        ),
        "publishEncryptionKey": ("publishEncryptionKey", (bytes.fromhex("02" + "11" * 32),)),
        "grantAccess": ("grantAccess", (s.lot, NEWCOMER, keccak(text="grant"))),
        "revokeAccess": ("revokeAccess", (s.lot, NEWCOMER)),
        "anchorAttestation": ("anchorAttestation", (keccak(text="credential:new"), LOT_SUBJECT, s.lot)),
        "revokeAttestation": ("revokeAttestation", (ANCHORED,)),
        "transferFrom@attester": ("transferFrom", (s.holder, s.auditor, s.lot)),
        "registerParticipant@attester": ("registerParticipant", (s.holder, AUDITOR)),
        "grantRole": ("grantRole", (REGISTRAR_ROLE, NEWCOMER)),
        "revokeRole": ("revokeRole", (REGISTRAR_ROLE, s.registrar)),
        "renounceRole": ("renounceRole", (REGISTRAR_ROLE, s.registrar)),
    }


Rule = Denied | dict[str, Denied] | None
TO_ATTESTER = denied("AttesterCannotHold", account=AUDITOR_ADDRESS, role=AUDITOR)

# fmt: off
SPEC: list[tuple[str, frozenset[str], Rule]] = [
    # function              who may call it          what everyone else gets
    # -- registry: the registrar only
    ("registerParticipant", REGISTRAR,             NOT_REGISTRAR),
    ("removeParticipant",   REGISTRAR,             NOT_REGISTRAR),
    ("registerMine",        REGISTRAR,             NOT_REGISTRAR),
    ("updatePermit",        REGISTRAR,             NOT_REGISTRAR),
    ("setMineCapacity",     REGISTRAR,             NOT_REGISTRAR),
    ("setMinePassport",     REGISTRAR,             NOT_REGISTRAR),
    ("suspendMine",         REGISTRAR,             NOT_REGISTRAR),
    ("reactivateMine",      REGISTRAR,             NOT_REGISTRAR),
    ("revokeMine",          REGISTRAR,             NOT_REGISTRAR),
    # -- declarations: the mine's own operator; a signed one, any admitted participant; nonces, each their own
    ("declareLot",          frozenset({"operator"}), denied("NotMineOperator", mineId=MINE, account=ACTOR)),
    ("submitDeclaration",   PARTICIPANTS,          denied("NotParticipant", account=ACTOR)),
    ("cancelDeclaration",   ANYONE,                None),  # each caller cancels only its own nonces
    # -- lots: the holder records passports; the holder or its ERC-721 operators move and transform
    ("recordPassport",      HOLDER_ONLY,           NOT_HOLDER),
    ("transferFrom",        HOLDER_AND_OPERATORS,  NOT_APPROVED),
    ("safeTransferFrom",    HOLDER_AND_OPERATORS,  NOT_APPROVED),
    ("approve",             HOLDER_AND_ALL_LOTS_OPERATOR, NOT_APPROVER),
    ("setApprovalForAll",   ANYONE,                None),  # each caller approves only for its own lots
    ("transform",           HOLDER_AND_OPERATORS,  NOT_HOLDER),
    # -- serial numbers: the refiner holding the bar; a holder that is no refiner gives none
    ("assignSerialNumber",  frozenset({"refiner"}),
        denied("NotHolder", lotId=BAR, account=ACTOR, holder=REFINER_ADDRESS)),
    ("assignSerialNumber@holder", NOBODY, {
        "holder": denied("NotRefiner", account=HOLDER), "*": NOT_HOLDER}),
    # -- roles: the admin grants and revokes; only the role holder renounces its own role
    ("grantRole",           REGISTRAR,             NOT_ADMIN),
    ("revokeRole",          REGISTRAR,             NOT_ADMIN),
    ("renounceRole",        REGISTRAR,             denied("AccessControlBadConfirmation")),
    # -- separation of duties: the registrar is never a participant, a participant never a registrar
    ("registerParticipant@registrar", NOBODY, {
        "registrar": denied("RegistrarCannotParticipate", account=REGISTRAR_ADDRESS), "*": NOT_REGISTRAR}),
    ("grantRole@participant", NOBODY, {
        "registrar": denied("ParticipantCannotAdminister", account=PROCESSOR_ADDRESS, role=REGISTRAR_ROLE),
        "*": NOT_ADMIN}),
    # -- a removed holder keeps its lot and may pass it on, but records no passport and receives no outputs
    ("recordPassport@removed", NOBODY, {
        "removed_holder": denied("NotParticipant", account=REMOVED),
        "*": denied("NotHolder", lotId=REMOVED_LOT, account=ACTOR, holder=REMOVED)}),
    ("transferFrom@removed", frozenset({"removed_holder"}),
        denied("ERC721InsufficientApproval", operator=ACTOR, tokenId=REMOVED_LOT)),
    ("transform@removed", NOBODY, {
        "removed_holder": denied("NotParticipant", account=REMOVED),
        "*": denied("NotHolder", lotId=REMOVED_LOT, account=ACTOR, holder=REMOVED)}),
    # -- records the registrar vouches for, about admitted participants only
    ("publishParticipantRecord", REGISTRAR,        NOT_REGISTRAR),
    ("publishParticipantRecord@removed", NOBODY, {
        "registrar": denied("NotParticipant", account=REMOVED), "*": NOT_REGISTRAR}),
    ("recordRegisterSnapshot", REGISTRAR,          NOT_REGISTRAR),
    # -- multicall: anyone may batch, each call with the caller as msg.sender (here a registrar's call)
    ("multicall",           REGISTRAR,             NOT_REGISTRAR),
    # -- confidential passports: any admitted participant publishes its key and grants or revokes access
    # (a past holder grants access to what it can open, so holding the lot is not required)
    ("publishEncryptionKey", PARTICIPANTS,         denied("NotParticipant", account=ACTOR)),
    ("grantAccess",         PARTICIPANTS,          denied("NotParticipant", account=ACTOR)),
    ("revokeAccess",        PARTICIPANTS,          denied("NotParticipant", account=ACTOR)),
    # -- attesters: they anchor credentials, only the one that anchored revokes, and they never hold lots
    ("anchorAttestation",   ATTESTERS,             denied("NotAttester", account=ACTOR)),
    ("revokeAttestation",   frozenset({"auditor"}), denied(
        "NotTheAttester", credentialHash=ANCHORED, account=ACTOR, attester=AUDITOR_ADDRESS)),
    ("transferFrom@attester", NOBODY, {
        **dict.fromkeys(HOLDER_AND_OPERATORS, TO_ATTESTER),
        "*": NOT_APPROVED}),
    ("registerParticipant@attester", NOBODY, {
        "registrar": denied("AttesterCannotHold", account=HOLDER, role=AUDITOR), "*": NOT_REGISTRAR}),
]
# fmt: on

CELLS = [
    pytest.param(function, actor, actor in allowed, rule, id=f"{function}-{actor}")
    for function, allowed, rule in SPEC
    for actor in ACTORS
]


def test_spec_covers_every_state_changing_function(lots: Any) -> None:
    """A new state-changing function fails this test until it gets a row in `SPEC`."""
    state_changing = {abi.name for abi in lots.contract_type.mutable_methods}
    assert state_changing == {row for row, _, _ in SPEC if "@" not in row}
    assert {row.partition("@")[0] for row, _, _ in SPEC} == state_changing


@pytest.fixture(scope="module")
def scene(
    lots: Any,
    accounts: Any,
    registrar: Any,
    miner: Any,
    miner2: Any,
    plant: Any,
    refiner: Any,
    manufacturer: Any,
    outsider: Any,
    chain: Any,
) -> SimpleNamespace:
    """The world every cell starts from (module-scoped: Ape snapshots it once and reverts to it per test)."""
    holder, approved, trader = accounts[7], accounts[8], accounts[9]
    approved_for_all, removed_holder, auditor, laboratory = (
        accounts.generate_test_account() for _ in range(4)
    )
    for generated in (approved_for_all, removed_holder, auditor, laboratory):
        registrar.transfer(generated, 10**18)  # a generated test account starts with no ether
    lots.registerParticipant(holder, PROCESSOR, sender=registrar)
    lots.registerParticipant(removed_holder, TRADER, sender=registrar)
    lots.registerParticipant(auditor, AUDITOR, sender=registrar)
    lots.registerParticipant(laboratory, LABORATORY, sender=registrar)
    lots.removeParticipant(approved, sender=registrar)
    lots.registerParticipant(trader, TRADER, sender=registrar)
    lots.registerParticipant(RETIREE, TRADER, sender=registrar)
    for operator in (CANDIDATE, DORMANT):
        lots.registerParticipant(operator, MINE_OPERATOR, sender=registrar)

    expiry = chain.pending_timestamp + 10 * YEAR

    def register_mine(operator: Any, label: str) -> int:
        receipt = lots.registerMine(
            operator,
            keccak(text=f"permit:{label}"),
            expiry,
            b"PE",
            keccak(text=f"location:{label}"),
            CAPACITY_MG,
            keccak(text=f"mine-passport:{label}"),
            sender=registrar,
        )
        return int(receipt.events.filter(lots.MineRegistered)[0].mineId)

    mine, _, suspended_mine = (
        register_mine(miner, "one"),
        register_mine(miner2, "two"),
        register_mine(DORMANT, "3"),
    )
    lots.suspendMine(suspended_mine, sender=registrar)

    receipt = lots.declareLot(
        mine, 10_000, 20_000, keccak(text="passport:ore"), "ipfs://ore", "PIT-1", sender=miner
    )
    lot = int(receipt.events.filter(lots.LotDeclared)[0].lotId)
    lots.transferFrom(miner, holder, lot, sender=miner)
    receipt = lots.declareLot(
        mine, 5_000, 9_000, keccak(text="passport:kept"), "ipfs://kept", "PIT-3", sender=miner
    )
    removed_lot = int(receipt.events.filter(lots.LotDeclared)[0].lotId)
    lots.transferFrom(miner, removed_holder, removed_lot, sender=miner)
    lots.removeParticipant(removed_holder, sender=registrar)
    lots.anchorAttestation(ANCHORED, LOT_SUBJECT, lot, sender=auditor)
    lots.approve(approved, lot, sender=holder)
    lots.setApprovalForAll(approved_for_all, True, sender=holder)
    receipt = lots.declareLot(
        mine, 8_000, 9_000, keccak(text="passport:bar-ore"), "ipfs://bar-ore", "PIT-4", sender=miner
    )
    bar_ore = int(receipt.events.filter(lots.LotDeclared)[0].lotId)
    lots.transferFrom(miner, refiner, bar_ore, sender=miner)
    receipt = lots.transform(
        [bar_ore], [(REFINED, 7_990, 8_000)], keccak(text="passport:bar"), "ipfs://bar", sender=refiner
    )
    bar = int(receipt.events.filter(lots.LotProduced)[0].lotId)

    declaration = filon.sign_declaration(
        Account.from_key(miner.private_key),
        filon.DeclarationDomain(chain_id=chain.chain_id, verifying_contract=lots.address),
        mine_id=mine,
        fine_gold_mg=1_000,
        gross_mass_mg=5_000,
        passport_root=keccak(text="passport:offline"),
        recipient=plant.address,
        nonce=0,
        deadline=expiry,
        external_ref="PIT-2",
    )
    actors = {
        "registrar": registrar,
        "operator": miner,
        "other_operator": miner2,
        "processor": plant,
        "refiner": refiner,
        "trader": trader,
        "manufacturer": manufacturer,
        "holder": holder,
        "approved": approved,
        "approved_for_all": approved_for_all,
        "outsider": outsider,
        "removed_holder": removed_holder,
        "auditor": auditor,
        "laboratory": laboratory,
    }
    return SimpleNamespace(
        lots=lots,
        actors=actors,
        mine=mine,
        suspended_mine=suspended_mine,
        lot=lot,
        expiry=expiry,
        declaration=declaration,
        registrar=registrar,
        holder=holder,
        refiner=refiner,
        processor=plant,
        removed_holder=removed_holder,
        removed_lot=removed_lot,
        auditor=auditor,
        bar=bar,
        snapshot_date=expiry - 11 * YEAR,
    )


@pytest.mark.parametrize(("function", "actor", "allowed", "rule"), CELLS)
def test_access(
    scene: SimpleNamespace, reverts: Any, function: str, actor: str, allowed: bool, rule: Rule
) -> None:
    lots = scene.lots
    sender = scene.actors[actor]
    method, args = _calls(scene)[function]
    call = getattr(lots, method)

    if allowed:
        receipt = call(*args, sender=sender)
        assert not receipt.failed
        assert receipt.events, f"{function} by {actor} changed state without an event"
        return

    assert rule is not None
    denial = rule.get(actor, rule["*"]) if isinstance(rule, dict) else rule
    values = {
        "ACTOR": sender.address,
        "HOLDER": scene.holder.address,
        "LOT": scene.lot,
        "MINE": scene.mine,
        "REGISTRAR_ADDRESS": scene.registrar.address,
        "PROCESSOR_ADDRESS": scene.processor.address,
        "REMOVED": scene.removed_holder.address,
        "REMOVED_LOT": scene.removed_lot,
        "AUDITOR_ADDRESS": scene.auditor.address,
        "BAR": scene.bar,
        "REFINER_ADDRESS": scene.refiner.address,
    }
    expected = {name: values[v.name] if isinstance(v, _Ref) else v for name, v in denial.args.items()}
    with reverts(getattr(lots, denial.error), **expected):
        call(*args, sender=sender)
