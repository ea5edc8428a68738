"""FilonRegistry (through FilonLots): participants, mines, their permits, capacities and statuses."""

from datetime import UTC, datetime

import pytest
from eth_utils import keccak

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DEFAULT_ADMIN_ROLE = bytes(32)
REGISTRAR_ROLE = keccak(text="REGISTRAR_ROLE")
UINT32_MAX = 2**32 - 1
MAX_CAPACITY_MG = 2**39 - 1  # FilonRegistry.MAX_CAPACITY_MG: int40's maximum

# IFilonRegistry.Role
NONE, MINE_OPERATOR, PROCESSOR, REFINER, TRADER, MANUFACTURER = range(6)
# IFilonRegistry.MineStatus
ACTIVE, SUSPENDED, REVOKED = 1, 2, 3
# IFilonLots.Form
DORE = 2

PERMIT_HASH = keccak(text="permit PE-2026-0001")
LOCATION_HASH = keccak(text="-14.8417,-74.9376")
MINE_PASSPORT = keccak(text="mine passport v1")


def year_now(chain):
    return datetime.fromtimestamp(chain.blocks.head.timestamp, UTC).year


def mine_record(lots, mine_id):
    return dict(lots.mine(mine_id).items())


# ---------------------------------------------------------------- deployment


def test_deployer_holds_admin_and_registrar_roles(lots, registrar, outsider):
    assert lots.REGISTRAR_ROLE() == REGISTRAR_ROLE
    assert lots.hasRole(DEFAULT_ADMIN_ROLE, registrar)
    assert lots.hasRole(REGISTRAR_ROLE, registrar)
    assert not lots.hasRole(REGISTRAR_ROLE, outsider)
    assert lots.mineCount() == 0


def test_deployment_emits_the_role_grants(lots, registrar, chain, emitted):
    receipt = chain.get_receipt(lots.txn_hash)

    assert emitted(receipt) == [
        (
            "RoleGranted",
            {"role": DEFAULT_ADMIN_ROLE, "account": registrar.address, "sender": registrar.address},
        ),
        ("RoleGranted", {"role": REGISTRAR_ROLE, "account": registrar.address, "sender": registrar.address}),
    ]


def test_deployment_with_zero_admin_reverts(lots, project, registrar, reverts):
    with reverts(project.FilonLots.InvalidAccount, account=ZERO_ADDRESS):
        registrar.deploy(project.FilonLots, ZERO_ADDRESS)


# ---------------------------------------------------------------- participants


def test_unknown_account_has_no_role(lots, outsider):
    assert lots.roleOf(outsider) == NONE


@pytest.mark.parametrize("role", [MINE_OPERATOR, PROCESSOR, REFINER, TRADER, MANUFACTURER])
def test_register_participant_admits_with_role(lots, registrar, outsider, emitted, role):
    receipt = lots.registerParticipant(outsider, role, sender=registrar)

    assert lots.roleOf(outsider) == role
    assert emitted(receipt) == [("ParticipantRegistered", {"account": outsider.address, "role": role})]


def test_register_participant_again_changes_role(lots, registrar, plant, emitted):
    receipt = lots.registerParticipant(plant, TRADER, sender=registrar)

    assert lots.roleOf(plant) == TRADER
    assert emitted(receipt) == [("ParticipantRegistered", {"account": plant.address, "role": TRADER})]


def test_register_participant_rejects_zero_address(lots, registrar, reverts):
    with reverts(lots.InvalidAccount, account=ZERO_ADDRESS):
        lots.registerParticipant(ZERO_ADDRESS, PROCESSOR, sender=registrar)


def test_register_participant_rejects_role_none(lots, registrar, outsider, reverts):
    with reverts(lots.InvalidRole, role=NONE):
        lots.registerParticipant(outsider, NONE, sender=registrar)

    assert lots.roleOf(outsider) == NONE


def test_remove_participant_withdraws_role(lots, registrar, plant, emitted):
    receipt = lots.removeParticipant(plant, sender=registrar)

    assert lots.roleOf(plant) == NONE
    assert emitted(receipt) == [("ParticipantRemoved", {"account": plant.address})]


def test_remove_participant_rejects_non_participant(lots, registrar, outsider, reverts):
    with reverts(lots.NotParticipant, account=outsider.address):
        lots.removeParticipant(outsider, sender=registrar)


def test_removed_participant_can_be_admitted_again(lots, registrar, plant):
    lots.removeParticipant(plant, sender=registrar)

    lots.registerParticipant(plant, REFINER, sender=registrar)

    assert lots.roleOf(plant) == REFINER


# ---------------------------------------------------------------- registerMine


def test_register_mine_stores_and_emits_every_field(lots, registrar, miner, chain, emitted):
    expiry = chain.pending_timestamp + 365 * 86_400

    receipt = lots.registerMine(
        miner, PERMIT_HASH, expiry, b"PE", LOCATION_HASH, 250_000, MINE_PASSPORT, sender=registrar
    )

    assert emitted(receipt) == [
        (
            "MineRegistered",
            {
                "mineId": 1,
                "operator": miner.address,
                "country": b"PE",
                "permitHash": PERMIT_HASH,
                "permitExpiry": expiry,
                "locationHash": LOCATION_HASH,
                "capacityMg": 250_000,
                "passportHash": MINE_PASSPORT,
            },
        )
    ]
    assert lots.mineCount() == 1
    assert mine_record(lots, 1) == {
        "operator": miner.address,
        "status": ACTIVE,
        "country": b"PE",
        "permitExpiry": expiry,
        "capacityMg": 250_000,
        "declaredThisYearMg": 0,
        "year": year_now(chain),
        "permitHash": PERMIT_HASH,
        "locationHash": LOCATION_HASH,
        "passportHash": MINE_PASSPORT,
    }


def test_register_mine_numbers_mines_from_one(lots, register_mine, miner, miner2, miner3):
    assert register_mine(miner, label="a") == 1
    assert register_mine(miner2, label="b") == 2
    assert register_mine(miner3, label="c") == 3
    assert lots.mineCount() == 3
    assert [lots.mine(mine).operator for mine in (1, 2, 3)] == [miner.address, miner2.address, miner3.address]


@pytest.mark.anvil
def test_operator_of_a_mine_cannot_register_another(lots, register_mine, miner, miner2, reverts):
    register_mine(miner, label="a")
    register_mine(miner2, label="b")

    with reverts(lots.OperatorHasMine, operator=miner2.address, mineId=2):
        register_mine(miner2, label="c")

    assert lots.mineCount() == 2
    assert lots.mine(2).operator == miner2.address


def test_operator_has_mine_is_checked_before_the_mine_fields(lots, register_mine, miner, chain, reverts):
    mine_id = register_mine(miner)

    with reverts(lots.OperatorHasMine, operator=miner.address, mineId=mine_id):
        register_mine(miner, country=b"pe", expiry=chain.pending_timestamp - 1, capacity_mg=0)


def test_mine_operator_role_is_checked_before_operator_has_mine(
    lots, register_mine, registrar, miner, reverts
):
    register_mine(miner)
    lots.registerParticipant(miner, PROCESSOR, sender=registrar)

    with reverts(lots.NotMineOperatorRole, account=miner.address):
        register_mine(miner)


@pytest.mark.parametrize("action", ["suspendMine", "revokeMine"])
def test_operator_of_a_closed_mine_cannot_register_another(
    lots, register_mine, registrar, miner, reverts, action
):
    """Even a revoked mine stays its operator's one mine: a new mine needs a new address."""
    mine_id = register_mine(miner)
    getattr(lots, action)(mine_id, sender=registrar)

    with reverts(lots.OperatorHasMine, operator=miner.address, mineId=mine_id):
        register_mine(miner, label="new")


@pytest.mark.parametrize("leave", ["remove", "trader"])
def test_operator_readmitted_keeps_its_mine(
    lots, register_mine, registrar, miner, declare, mine_id, permit_expiry, chain, reverts, leave
):
    declare(120_000)
    lots.suspendMine(mine_id, sender=registrar)
    before = mine_record(lots, mine_id)
    if leave == "remove":
        lots.removeParticipant(miner, sender=registrar)
    else:
        lots.registerParticipant(miner, TRADER, sender=registrar)

    lots.registerParticipant(miner, MINE_OPERATOR, sender=registrar)

    assert before == {
        "operator": miner.address,
        "status": SUSPENDED,
        "country": b"PE",
        "permitExpiry": permit_expiry,
        "capacityMg": 1_000_000,
        "declaredThisYearMg": 120_000,
        "year": year_now(chain),
        "permitHash": keccak(text="permit:mine"),
        "locationHash": keccak(text="location:mine"),
        "passportHash": keccak(text="mine-passport:mine"),
    }
    assert mine_record(lots, mine_id) == before
    assert (lots.roleOf(miner), lots.balanceOf(miner), lots.mineCount()) == (MINE_OPERATOR, 1, 1)
    with reverts(lots.OperatorHasMine, operator=miner.address, mineId=mine_id):
        register_mine(miner, label="new")
    lots.reactivateMine(mine_id, sender=registrar)
    assert declare(30_000) == 2
    assert lots.mine(mine_id).declaredThisYearMg == 150_000


@pytest.mark.parametrize("who", ["outsider", "plant"])
def test_register_mine_requires_mine_operator_role(lots, register_mine, reverts, request, who):
    operator = request.getfixturevalue(who)

    with reverts(lots.NotMineOperatorRole, account=operator.address):
        register_mine(operator)


def test_register_mine_rejects_removed_operator(lots, register_mine, registrar, miner, reverts):
    lots.removeParticipant(miner, sender=registrar)

    with reverts(lots.NotMineOperatorRole, account=miner.address):
        register_mine(miner)


@pytest.mark.parametrize("country", [b"pe", b"Pe", b"pE", b"P1", b"@E", b"P[", b"`E", b"\x00\x00", b"  "])
def test_register_mine_rejects_country_not_two_upper_case_letters(
    lots, register_mine, miner, reverts, country
):
    with reverts(lots.InvalidCountry, country=country):
        register_mine(miner, country=country)


@pytest.mark.parametrize("country", [b"AA", b"ZZ", b"CD", b"GH"])
def test_register_mine_accepts_upper_case_country(lots, register_mine, miner, country):
    mine_id = register_mine(miner, country=country)

    assert lots.mine(mine_id).country == country


@pytest.mark.parametrize("offset", [0, -1, -86_400])
def test_register_mine_rejects_permit_not_in_the_future(lots, register_mine, miner, chain, reverts, offset):
    now = chain.pending_timestamp + 60
    chain.pending_timestamp = now

    with reverts(lots.InvalidPermitExpiry, permitExpiry=now + offset, nowTimestamp=now):
        register_mine(miner, expiry=now + offset)


def test_register_mine_accepts_permit_one_second_ahead(lots, register_mine, miner, chain):
    now = chain.pending_timestamp + 60
    chain.pending_timestamp = now

    mine_id = register_mine(miner, expiry=now + 1)

    assert lots.mine(mine_id).permitExpiry == now + 1


def test_register_mine_accepts_permit_at_uint32_max(lots, register_mine, miner):
    mine_id = register_mine(miner, expiry=UINT32_MAX)

    assert lots.mine(mine_id).permitExpiry == UINT32_MAX


def test_register_mine_rejects_permit_beyond_uint32(lots, register_mine, miner, chain, reverts):
    now = chain.pending_timestamp + 60
    chain.pending_timestamp = now

    with reverts(lots.InvalidPermitExpiry, permitExpiry=UINT32_MAX + 1, nowTimestamp=now):
        register_mine(miner, expiry=UINT32_MAX + 1)


@pytest.mark.parametrize("capacity", [0, MAX_CAPACITY_MG + 1, 2**256 - 1])
def test_register_mine_rejects_invalid_capacity(lots, register_mine, miner, reverts, capacity):
    with reverts(lots.InvalidCapacity, capacityMg=capacity):
        register_mine(miner, capacity_mg=capacity)


@pytest.mark.parametrize("capacity", [1, MAX_CAPACITY_MG])
def test_register_mine_accepts_capacity_bounds(lots, register_mine, miner, capacity):
    assert lots.MAX_CAPACITY_MG() == MAX_CAPACITY_MG

    mine_id = register_mine(miner, capacity_mg=capacity)

    assert lots.mine(mine_id).capacityMg == capacity


def test_failed_registration_does_not_use_an_id(lots, register_mine, miner, outsider, reverts):
    with reverts(lots.NotMineOperatorRole, account=outsider.address):
        register_mine(outsider)

    assert lots.mineCount() == 0
    assert register_mine(miner) == 1


# ---------------------------------------------------------------- mine view


@pytest.mark.parametrize("unknown", [0, 2, 2**256 - 1])
def test_mine_view_rejects_unknown_mine(lots, mine_id, reverts, unknown):
    with reverts(lots.UnknownMine, mineId=unknown):
        lots.mine(unknown)


def test_mine_view_counts_declared_fine_gold_this_year(lots, mine_id, declare, capacity_mg):
    declare(120_000)
    declare(30_500)

    record = lots.mine(mine_id)

    assert record.declaredThisYearMg == 150_500
    assert record.capacityMg == capacity_mg


def test_mine_record_and_operator_lots_leave_each_other_alone(
    lots, registrar, register_mine, declare, miner, miner2, plant, mine_id, permit_expiry, chain
):
    """A mine's hot state shares its operator's account slot with the operator's role, balance and lot ids."""
    first, second = declare(100_000), declare(50_000)
    other = register_mine(miner2, label="other")
    received = declare(7_000, mine=other, sender=miner2)
    lots.transferFrom(miner2, miner, received, sender=miner2)
    lots.transferFrom(miner, plant, second, sender=miner)
    receipt = lots.transform([first, received], [(DORE, 90_000, 95_000)], MINE_PASSPORT, "", sender=miner)
    new_passport = keccak(text="mine passport v2")
    lots.updatePermit(mine_id, PERMIT_HASH, permit_expiry + 1, sender=registrar)
    lots.setMineCapacity(mine_id, 400_000, sender=registrar)
    lots.setMinePassport(mine_id, new_passport, sender=registrar)
    lots.suspendMine(mine_id, sender=registrar)
    lots.reactivateMine(mine_id, sender=registrar)

    assert [first, second, received] == [1, 2, 101]
    assert [int(log.lotId) for log in receipt.events.filter(lots.LotProduced)] == [3]
    assert (lots.roleOf(miner), lots.balanceOf(miner), lots.ownerOf(3)) == (MINE_OPERATOR, 1, miner.address)
    assert (lots.balanceOf(miner2), lots.balanceOf(plant)) == (0, 1)
    assert mine_record(lots, mine_id) == {
        "operator": miner.address,
        "status": ACTIVE,
        "country": b"PE",
        "permitExpiry": permit_expiry + 1,
        "capacityMg": 400_000,
        "declaredThisYearMg": 150_000,
        "year": year_now(chain),
        "permitHash": PERMIT_HASH,
        "locationHash": keccak(text="location:mine"),
        "passportHash": new_passport,
    }
    assert (lots.mine(other).declaredThisYearMg, lots.mine(other).operator) == (7_000, miner2.address)
    assert declare(1_000) == 4
    assert lots.mine(mine_id).declaredThisYearMg == 151_000
    assert lots.balanceOf(miner) == 2


# ---------------------------------------------------------------- updatePermit


def test_update_permit_replaces_hash_and_expiry(lots, registrar, mine_id, permit_expiry, emitted):
    new_hash = keccak(text="permit PE-2027-0001")

    receipt = lots.updatePermit(mine_id, new_hash, permit_expiry + 1000, sender=registrar)

    assert emitted(receipt) == [
        (
            "MinePermitUpdated",
            {"mineId": mine_id, "permitHash": new_hash, "permitExpiry": permit_expiry + 1000},
        )
    ]
    record = lots.mine(mine_id)
    assert (record.permitHash, record.permitExpiry) == (new_hash, permit_expiry + 1000)
    assert record.status == ACTIVE


def test_update_permit_may_shorten_the_permit(lots, registrar, mine_id, chain):
    expiry = chain.pending_timestamp + 3600

    lots.updatePermit(mine_id, PERMIT_HASH, expiry, sender=registrar)

    assert lots.mine(mine_id).permitExpiry == expiry


def test_update_permit_rejects_unknown_mine(lots, registrar, mine_id, permit_expiry, reverts):
    with reverts(lots.UnknownMine, mineId=mine_id + 1):
        lots.updatePermit(mine_id + 1, PERMIT_HASH, permit_expiry, sender=registrar)


def test_update_permit_rejects_past_expiry(lots, registrar, mine_id, chain, reverts):
    now = chain.pending_timestamp + 60
    chain.pending_timestamp = now

    with reverts(lots.InvalidPermitExpiry, permitExpiry=now - 1, nowTimestamp=now):
        lots.updatePermit(mine_id, PERMIT_HASH, now - 1, sender=registrar)


def test_update_permit_rejects_expiry_beyond_uint32(lots, registrar, mine_id, chain, reverts):
    now = chain.pending_timestamp + 60
    chain.pending_timestamp = now

    with reverts(lots.InvalidPermitExpiry, permitExpiry=2**32, nowTimestamp=now):
        lots.updatePermit(mine_id, PERMIT_HASH, 2**32, sender=registrar)


def test_update_permit_of_revoked_mine_keeps_it_revoked(lots, registrar, mine_id, permit_expiry):
    lots.revokeMine(mine_id, sender=registrar)

    lots.updatePermit(mine_id, PERMIT_HASH, permit_expiry + 1, sender=registrar)

    assert lots.mine(mine_id).status == REVOKED
    assert lots.mine(mine_id).permitExpiry == permit_expiry + 1


# ---------------------------------------------------------------- setMineCapacity


def test_set_mine_capacity_changes_capacity(lots, registrar, mine_id, emitted):
    receipt = lots.setMineCapacity(mine_id, 42, sender=registrar)

    assert emitted(receipt) == [("MineCapacityUpdated", {"mineId": mine_id, "capacityMg": 42})]
    assert lots.mine(mine_id).capacityMg == 42
    assert lots.mine(mine_id).declaredThisYearMg == 0


def test_set_mine_capacity_counts_what_was_declared_this_year(lots, registrar, mine_id, declare, reverts):
    declare(600_000)

    lots.setMineCapacity(mine_id, 800_000, sender=registrar)

    assert lots.mine(mine_id).declaredThisYearMg == 600_000
    with reverts(lots.CapacityExceeded, mineId=mine_id, requestedMg=200_001, remainingMg=200_000):
        declare(200_001)
    declare(200_000)
    assert lots.mine(mine_id).declaredThisYearMg == 800_000


def test_raising_capacity_adds_to_what_is_left(lots, registrar, mine_id, declare, capacity_mg, reverts):
    declare(capacity_mg)

    lots.setMineCapacity(mine_id, capacity_mg + 5, sender=registrar)

    with reverts(lots.CapacityExceeded, mineId=mine_id, requestedMg=6, remainingMg=5):
        declare(6)
    declare(5)


def test_capacity_below_declared_leaves_nothing_this_year(lots, registrar, mine_id, declare, reverts):
    declare(600_000)

    lots.setMineCapacity(mine_id, 500_000, sender=registrar)

    with reverts(lots.CapacityExceeded, mineId=mine_id, requestedMg=1, remainingMg=0):
        declare(1)


def test_capacity_below_declared_still_reports_what_was_declared(lots, registrar, mine_id, declare):
    declare(600_000)

    lots.setMineCapacity(mine_id, 500_000, sender=registrar)

    assert lots.mine(mine_id).declaredThisYearMg == 600_000


def test_lowering_then_restoring_capacity_never_allows_more_than_capacity(
    lots, registrar, mine_id, declare, capacity_mg, reverts
):
    declare(800_000)
    lots.setMineCapacity(mine_id, 500_000, sender=registrar)

    lots.setMineCapacity(mine_id, capacity_mg, sender=registrar)

    # 800,000 mg of the restored 1,000,000 mg were already declared this year: 200,000 mg are left.
    with reverts(lots.CapacityExceeded, mineId=mine_id, requestedMg=200_001, remainingMg=200_000):
        declare(200_001)


@pytest.mark.parametrize("capacity", [0, MAX_CAPACITY_MG + 1])
def test_set_mine_capacity_rejects_invalid_capacity(lots, registrar, mine_id, reverts, capacity):
    with reverts(lots.InvalidCapacity, capacityMg=capacity):
        lots.setMineCapacity(mine_id, capacity, sender=registrar)


def test_set_mine_capacity_rejects_unknown_mine(lots, registrar, reverts):
    with reverts(lots.UnknownMine, mineId=1):
        lots.setMineCapacity(1, 10, sender=registrar)


# ---------------------------------------------------------------- setMinePassport


def test_set_mine_passport_replaces_hash(lots, registrar, mine_id, emitted):
    new_hash = keccak(text="mine passport v2")

    receipt = lots.setMinePassport(mine_id, new_hash, sender=registrar)

    assert emitted(receipt) == [("MinePassportUpdated", {"mineId": mine_id, "passportHash": new_hash})]
    assert lots.mine(mine_id).passportHash == new_hash


def test_set_mine_passport_rejects_unknown_mine(lots, registrar, reverts):
    with reverts(lots.UnknownMine, mineId=3):
        lots.setMinePassport(3, MINE_PASSPORT, sender=registrar)


# ---------------------------------------------------------------- status transitions


def test_suspend_active_mine(lots, registrar, mine_id, emitted):
    receipt = lots.suspendMine(mine_id, sender=registrar)

    assert emitted(receipt) == [("MineStatusChanged", {"mineId": mine_id, "status": SUSPENDED})]
    assert lots.mine(mine_id).status == SUSPENDED


def test_reactivate_suspended_mine(lots, registrar, mine_id, emitted):
    lots.suspendMine(mine_id, sender=registrar)

    receipt = lots.reactivateMine(mine_id, sender=registrar)

    assert emitted(receipt) == [("MineStatusChanged", {"mineId": mine_id, "status": ACTIVE})]
    assert lots.mine(mine_id).status == ACTIVE


@pytest.mark.parametrize("suspend_first", [False, True])
def test_revoke_active_or_suspended_mine(lots, registrar, mine_id, emitted, suspend_first):
    if suspend_first:
        lots.suspendMine(mine_id, sender=registrar)

    receipt = lots.revokeMine(mine_id, sender=registrar)

    assert emitted(receipt) == [("MineStatusChanged", {"mineId": mine_id, "status": REVOKED})]
    assert lots.mine(mine_id).status == REVOKED


def test_suspend_suspended_mine_reverts(lots, registrar, mine_id, reverts):
    lots.suspendMine(mine_id, sender=registrar)

    with reverts(lots.InvalidMineStatusChange, mineId=mine_id, status=SUSPENDED, requested=SUSPENDED):
        lots.suspendMine(mine_id, sender=registrar)


def test_reactivate_active_mine_reverts(lots, registrar, mine_id, reverts):
    with reverts(lots.InvalidMineStatusChange, mineId=mine_id, status=ACTIVE, requested=ACTIVE):
        lots.reactivateMine(mine_id, sender=registrar)


@pytest.mark.parametrize(
    ("action", "requested"), [("suspendMine", SUSPENDED), ("reactivateMine", ACTIVE), ("revokeMine", REVOKED)]
)
def test_revoked_is_final(lots, registrar, mine_id, reverts, action, requested):
    lots.revokeMine(mine_id, sender=registrar)

    with reverts(lots.InvalidMineStatusChange, mineId=mine_id, status=REVOKED, requested=requested):
        getattr(lots, action)(mine_id, sender=registrar)

    assert lots.mine(mine_id).status == REVOKED


@pytest.mark.parametrize("action", ["suspendMine", "reactivateMine", "revokeMine"])
def test_status_change_rejects_unknown_mine(lots, registrar, mine_id, reverts, action):
    with reverts(lots.UnknownMine, mineId=mine_id + 1):
        getattr(lots, action)(mine_id + 1, sender=registrar)


# ---------------------------------------------------------------- access control


REGISTRAR_CALLS = {
    "registerParticipant": lambda mine_id, who, expiry: (who["outsider"], PROCESSOR),
    "removeParticipant": lambda mine_id, who, expiry: (who["plant"],),
    "registerMine": lambda mine_id, who, expiry: (
        who["miner"],
        PERMIT_HASH,
        expiry,
        b"PE",
        LOCATION_HASH,
        1000,
        MINE_PASSPORT,
    ),
    "updatePermit": lambda mine_id, who, expiry: (mine_id, PERMIT_HASH, expiry),
    "setMineCapacity": lambda mine_id, who, expiry: (mine_id, 5),
    "setMinePassport": lambda mine_id, who, expiry: (mine_id, MINE_PASSPORT),
    "suspendMine": lambda mine_id, who, expiry: (mine_id,),
    "reactivateMine": lambda mine_id, who, expiry: (mine_id,),
    "revokeMine": lambda mine_id, who, expiry: (mine_id,),
}


@pytest.mark.anvil
@pytest.mark.parametrize("caller", ["outsider", "miner", "plant"])
@pytest.mark.parametrize("function", list(REGISTRAR_CALLS))
def test_registrar_functions_require_registrar_role(
    lots, mine_id, permit_expiry, outsider, miner, plant, reverts, caller, function
):
    who = {"outsider": outsider, "miner": miner, "plant": plant}
    args = REGISTRAR_CALLS[function](mine_id, who, permit_expiry)

    with reverts(
        lots.AccessControlUnauthorizedAccount, account=who[caller].address, neededRole=REGISTRAR_ROLE
    ):
        getattr(lots, function)(*args, sender=who[caller])


@pytest.mark.anvil
def test_granted_registrar_can_admit_and_revoked_one_cannot(lots, registrar, outsider, manufacturer, reverts):
    lots.grantRole(REGISTRAR_ROLE, outsider, sender=registrar)
    lots.removeParticipant(manufacturer, sender=outsider)
    assert lots.roleOf(manufacturer) == NONE

    lots.revokeRole(REGISTRAR_ROLE, outsider, sender=registrar)

    with reverts(lots.AccessControlUnauthorizedAccount, account=outsider.address, neededRole=REGISTRAR_ROLE):
        lots.registerParticipant(manufacturer, MANUFACTURER, sender=outsider)


@pytest.mark.anvil
def test_only_admin_grants_registrar_role(lots, miner, outsider, reverts):
    with reverts(lots.AccessControlUnauthorizedAccount, account=miner.address, neededRole=DEFAULT_ADMIN_ROLE):
        lots.grantRole(REGISTRAR_ROLE, outsider, sender=miner)

    assert not lots.hasRole(REGISTRAR_ROLE, outsider)
