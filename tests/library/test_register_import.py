"""Government register snapshots and `Client.multicall`: a register import applied in one transaction."""

from __future__ import annotations

import datetime
import hashlib
import re
from pathlib import Path

import pytest
from web3 import HTTPProvider, Web3

import filon

from .helpers import Roles, World, nonce, root

REGISTRAR_ROLE = Web3.keccak(text="REGISTRAR_ROLE")
SNAPSHOT = root("REINFO export")


def _now(world: World) -> int:
    return int(Web3(HTTPProvider(world.url)).eth.get_block("latest")["timestamp"])


def test_record_and_list_register_snapshots(
    world: World, registrar: filon.Client, reader: filon.Client
) -> None:
    date = _now(world) - 86_400
    assert reader.register_snapshots() == []

    first = registrar.record_register_snapshot(SNAPSHOT, date)
    second = registrar.record_register_snapshot("0x" + root("next export").hex(), date + 1)

    snapshots = reader.register_snapshots()
    assert [(s.snapshot_hash, s.snapshot_date, s.transaction_hash) for s in snapshots] == [
        (SNAPSHOT, date, first),
        (root("next export"), date + 1, second),
    ]
    assert snapshots[0].block_number < snapshots[1].block_number


def test_a_register_import_in_one_transaction(
    world: World, registrar: filon.Client, reader: filon.Client
) -> None:
    date, renewed = _now(world) - 86_400, world.permit_expiry + 1

    tx = registrar.multicall(
        [
            ("recordRegisterSnapshot", (SNAPSHOT, date)),
            ("suspendMine", (world.mine,)),
            ("updatePermit", (world.mine2, root("renewed permit"), renewed)),
        ]
    )

    (snapshot,) = reader.register_snapshots()
    assert snapshot.transaction_hash == tx
    assert reader.mine(world.mine).status is filon.MineStatus.SUSPENDED
    assert (reader.mine(world.mine2).permit_hash, reader.mine(world.mine2).permit_expiry) == (
        root("renewed permit"),
        renewed,
    )


def test_a_register_import_is_all_or_nothing(
    world: World, registrar: filon.Client, reader: filon.Client, roles: Roles
) -> None:
    before = nonce(world.url, roles.registrar)

    with pytest.raises(filon.UnknownMine) as info:
        registrar.multicall(
            [
                ("recordRegisterSnapshot", (SNAPSHOT, _now(world) - 1)),
                ("suspendMine", (world.mine,)),
                ("suspendMine", (99,)),
            ]
        )

    assert info.value.mine_id == 99
    assert nonce(world.url, roles.registrar) == before
    assert reader.register_snapshots() == []
    assert reader.mine(world.mine).status is filon.MineStatus.ACTIVE


def test_a_multicall_keeps_the_sender(world: World, plant: filon.Client, roles: Roles) -> None:
    with pytest.raises(filon.Unauthorized) as info:
        plant.multicall([("suspendMine", (world.mine,))])

    assert (info.value.account, info.value.role_name) == (roles.plant.address, "REGISTRAR_ROLE")


def test_a_participant_cannot_be_made_registrar(registrar: filon.Client, roles: Roles) -> None:
    with pytest.raises(filon.ParticipantCannotAdminister) as info:
        registrar.multicall([("grantRole", (REGISTRAR_ROLE, roles.plant.address))])

    assert (info.value.account, info.value.role_name) == (roles.plant.address, "REGISTRAR_ROLE")
    assert str(info.value) == (
        f"{roles.plant.address} is an admitted participant and cannot be granted the REGISTRAR_ROLE: "
        "remove the participant first."
    )


def test_snapshot_rules(world: World, registrar: filon.Client, roles: Roles) -> None:
    now = _now(world)

    with pytest.raises(filon.InvalidSnapshotDate) as future:
        registrar.record_register_snapshot(SNAPSHOT, now + 3_600)
    with pytest.raises(filon.EmptyHash):
        registrar.record_register_snapshot(bytes(32), now - 1)
    with pytest.raises(filon.InvalidInput, match="snapshot_date must be a Unix time"):
        registrar.record_register_snapshot(SNAPSHOT, -1)

    assert future.value.snapshot_date == now + 3_600
    assert isinstance(future.value, ValueError)


@pytest.mark.parametrize(
    ("calls", "message"),
    [
        ([], "A multicall needs at least one call"),
        ([("burnEverything", ())], "FilonLots has no function 'burnEverything'"),
        ([("suspendMine", ("seven",))], "Invalid arguments for suspendMine"),
    ],
)
def test_a_multicall_that_cannot_be_encoded_sends_nothing(
    world: World,
    registrar: filon.Client,
    roles: Roles,
    calls: list[tuple[str, tuple[object, ...]]],
    message: str,
) -> None:
    before = nonce(world.url, roles.registrar)

    with pytest.raises(filon.InvalidInput, match=message):
        registrar.multicall(calls)

    assert nonce(world.url, roles.registrar) == before


HEADER = "register_code,holder_name,national_id,status,region,district,permit_number,expiry\n"


def _day(unix: int) -> str:
    return datetime.datetime.fromtimestamp(unix, datetime.UTC).date().isoformat()


def _end_of(day: str) -> int:
    end = datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time.max, datetime.UTC)
    return int(end.timestamp())


@pytest.fixture
def recorded(world: World, roles: Roles, tmp_path: Path) -> tuple[filon.Client, filon.Client]:
    """The registrar and a reader sharing a store, mines 1 and 2 with records carrying register codes."""
    store = filon.DocumentStore(tmp_path / "store")
    registrar = filon.connect(world.url, deployment=world.deployment, account=roles.registrar, store=store)
    registrar.publish_mine_record(
        world.mine, filon.MineRecord(name="Huanca", region="Ayacucho", register_code="R-1")
    )
    registrar.publish_mine_record(
        world.mine2, filon.MineRecord(name="Ananea", region="Puno", register_code="R-2")
    )
    return registrar, filon.connect(world.url, deployment=world.deployment, store=store)


def test_a_register_import_diff_apply_and_rerun(
    world: World, roles: Roles, recorded: tuple[filon.Client, filon.Client]
) -> None:
    registrar, reader = recorded
    now = _now(world)
    later, past = _day(now + 400 * 86_400), _day(now - 10 * 86_400)
    data = (
        HEADER
        + f"R-1,Minera Huanca,20100000001,SUSPENDIDO,Ayacucho,Sancos,P-1,{later}\n"
        + f"R-2,Ananea S.A.C.,20100000002,Vigente,Puno,Ananea,P-2,{past}\n"
        + f"R-9,Nobody,,VIGENTE,Puno,,P-9,{later}\n"
    ).encode()

    diff = registrar.plan_register_import(data, now - 86_400)

    expected_hash = hashlib.sha256(
        b'{"district":"Sancos","expiry":"'
        + later.encode()
        + b'",'
        + (
            b'"holder_name":"Minera Huanca","national_id":"20100000001","permit_number":"P-1",'
            b'"region":"Ayacucho","register_code":"R-1","status":"SUSPENDIDO"}'
        )
    ).digest()
    assert diff == filon.RegisterDiff(
        snapshot_hash=hashlib.sha256(data).digest(),
        snapshot_date=now - 86_400,
        changes=(
            filon.MineChange(filon.ChangeKind.PERMIT, world.mine, "R-1", 2, _end_of(later), expected_hash),
            filon.MineChange(filon.ChangeKind.SUSPEND, world.mine, "R-1", 2),
            filon.MineChange(filon.ChangeKind.EXPIRED, world.mine2, "R-2", 3),
        ),
        unknown_codes=((4, "R-9"),),
        errors=(),
        rows=3,
    )

    tx = registrar.apply_register_import(diff)

    (snapshot,) = reader.register_snapshots()
    assert (snapshot.snapshot_hash, snapshot.snapshot_date, snapshot.transaction_hash) == (
        hashlib.sha256(data).digest(),
        now - 86_400,
        tx,
    )
    first, second = reader.mine(world.mine), reader.mine(world.mine2)
    assert (first.status, first.permit_expiry, first.permit_hash) == (
        filon.MineStatus.SUSPENDED,
        _end_of(later),
        expected_hash,
    )
    assert (second.status, second.permit_expiry) == (filon.MineStatus.SUSPENDED, world.permit_expiry)

    before = nonce(world.url, roles.registrar)
    again = registrar.plan_register_import(data, now - 86_400)
    assert (again.changes, again.unknown_codes) == ((), ((4, "R-9"),))
    assert registrar.apply_register_import(again) is None
    assert nonce(world.url, roles.registrar) == before
    assert len(reader.register_snapshots()) == 1


def test_a_register_reactivates_and_revokes_only_when_asked(
    world: World, recorded: tuple[filon.Client, filon.Client]
) -> None:
    registrar, reader = recorded
    registrar.set_mine_status(world.mine, filon.MineStatus.SUSPENDED)
    later = _day(world.permit_expiry)
    data = (HEADER + f"R-1,,,ACTIVE,,,,{later}\nR-2,,,EXCLUIDO,,,,{later}\n").encode()

    plain = registrar.plan_register_import(data, _now(world))
    revoking = registrar.plan_register_import(data, _now(world), revoke_excluded=True)

    kinds = [(c.kind, c.mine_id) for c in plain.changes if c.kind is not filon.ChangeKind.PERMIT]
    assert kinds == [(filon.ChangeKind.REACTIVATE, world.mine), (filon.ChangeKind.SUSPEND, world.mine2)]
    assert [(c.kind, c.mine_id) for c in revoking.changes if c.kind is not filon.ChangeKind.PERMIT] == [
        (filon.ChangeKind.REACTIVATE, world.mine),
        (filon.ChangeKind.REVOKE, world.mine2),
    ]
    registrar.apply_register_import(revoking)
    assert (reader.mine(world.mine).status, reader.mine(world.mine2).status) == (
        filon.MineStatus.ACTIVE,
        filon.MineStatus.REVOKED,
    )


def test_bad_rows_are_reported_by_row_and_nothing_is_applied_from_them(
    world: World, roles: Roles, recorded: tuple[filon.Client, filon.Client]
) -> None:
    registrar, _ = recorded
    later = _day(world.permit_expiry)
    data = (
        HEADER
        + f"R-1,,,PERHAPS,,,,{later}\n"
        + "R-2,,,SUSPENDIDO,,,,31/12/2099\n"
        + f",,,SUSPENDIDO,,,,{later}\n"
        + f"R-2,,,VIGENTE,,,,{later}\n"
        + f"R-2,,,SUSPENDIDO,,,,{later}\n"
        + f"R-1,,,VIGENTE,,,,{later}\n"
    ).encode()

    diff = registrar.plan_register_import(data, _now(world))

    statuses = "ACTIVE, ACTIVO, EXCLUDED, EXCLUIDO, SUSPENDED, SUSPENDIDO, VIGENTE"
    # R-2 is active on row 5 and suspended on row 6: the file contradicts itself, so neither row counts.
    assert diff.errors == (
        filon.RowError(2, f"status 'PERHAPS' is not one of {statuses}"),
        filon.RowError(3, "expiry '31/12/2099' is not a date YYYY-MM-DD"),
        filon.RowError(4, "register_code is empty"),
        filon.RowError(5, "register code R-2 is on rows 5, 6: none is applied"),
        filon.RowError(6, "register code R-2 is on rows 5, 6: none is applied"),
    )
    assert [(c.kind, c.mine_id, c.row) for c in diff.changes] == [(filon.ChangeKind.PERMIT, world.mine, 7)]
    assert diff.rows == 6


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"code,status\nR-1,VIGENTE\n",
            "The register file's header lacks the column(s) register_code, expiry",
        ),
        (b"\xff\xfe", "The register file is not UTF-8 text"),
    ],
)
def test_an_unreadable_register_file(
    world: World, recorded: tuple[filon.Client, filon.Client], data: bytes, message: str
) -> None:
    with pytest.raises(filon.InvalidInput, match=re.escape(message)):
        recorded[0].plan_register_import(data, _now(world))
