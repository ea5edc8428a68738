"""FilonLots: declaring ore lots, passports, transfers, transformations, metadata and passport proofs."""

import base64
import json
from datetime import UTC, datetime

import pytest
from eth_abi import encode
from eth_utils import keccak

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
UINT32_MAX = 2**32 - 1
UINT40_MAX = 2**40 - 1
MAX_TRANSFORM_LOTS = 64
LOT_ID_BLOCK = 100

# IFilonLots.Form
ORE, CONCENTRATE, DORE, REFINED, PRODUCT = range(5)
# IFilonRegistry.MineStatus
SUSPENDED, REVOKED = 2, 3
# IFilonRegistry.Role
MINE_OPERATOR, TRADER = 1, 4

ROOT_1 = keccak(text="passport v1")
ROOT_2 = keccak(text="passport v2")
ROOT_3 = keccak(text="passport v3")
DORE_ROOT = keccak(text="dore passport")


def utc(year, month=1, day=1, hour=0, minute=0, second=0):
    return int(datetime(year, month, day, hour, minute, second, tzinfo=UTC).timestamp())


def record(lots, lot_id):
    return dict(lots.lot(lot_id).items())


def produced(lots, receipt):
    return [int(log.lotId) for log in receipt.events.filter(lots.LotProduced)]


def output(form, fine_mg, gross_mg=None):
    return (form, fine_mg, fine_mg if gross_mg is None else gross_mg)


@pytest.fixture
def lot_id(declare):
    """Lot 1: 100 g of fine gold in 250 g of ore, held by the miner, passport ROOT_1."""
    return declare(100_000, 250_000, root=ROOT_1)


@pytest.fixture
def ore_at_plant(lots, declare, miner, plant):
    """Three ore lots (10 g, 20 g, 5 g of fine gold) delivered to the plant."""
    ids = [declare(10_000, ref="A"), declare(20_000, ref="B"), declare(5_000, ref="C")]
    for lot in ids:
        lots.transferFrom(miner, plant, lot, sender=miner)
    return ids


# ---------------------------------------------------------------- token basics


def test_token_name_and_symbol(lots):
    assert lots.name() == "Filón gold lot"
    assert lots.symbol() == "FILON"
    assert lots.MAX_TRANSFORM_LOTS() == MAX_TRANSFORM_LOTS
    assert lots.LOT_ID_BLOCK() == LOT_ID_BLOCK


def test_fresh_token_has_no_lots(lots, miner, reverts):
    for unknown in (0, 1, LOT_ID_BLOCK + 1):
        with reverts(lots.UnknownLot, lotId=unknown):
            lots.lot(unknown)
        with reverts(lots.ERC721NonexistentToken, tokenId=unknown):
            lots.ownerOf(unknown)
    assert lots.balanceOf(miner) == 0


@pytest.mark.parametrize(
    ("interface_id", "supported"),
    [
        ("0x80ac58cd", True),  # ERC721
        ("0x5b5e139f", True),  # ERC721Metadata
        ("0x01ffc9a7", True),  # ERC165
        ("0x7965db0b", True),  # AccessControl
        ("0x780e9d63", False),  # ERC721Enumerable
        ("0xffffffff", False),  # never supported, per ERC-165
    ],
)
def test_supports_interface(lots, interface_id, supported):
    assert lots.supportsInterface(interface_id) is supported


def test_balance_of_zero_address_reverts(lots, reverts):
    with reverts(lots.ERC721InvalidOwner, owner=ZERO_ADDRESS):
        lots.balanceOf(ZERO_ADDRESS)


@pytest.mark.parametrize("unknown", [0, 2, LOT_ID_BLOCK, LOT_ID_BLOCK + 1, 2**256 - 1])
def test_lot_view_rejects_unknown_lot(lots, lot_id, reverts, unknown):
    with reverts(lots.UnknownLot, lotId=unknown):
        lots.lot(unknown)


# ---------------------------------------------------------------- declareLot


def test_declare_lot_mints_to_operator(lots, miner, mine_id, emitted, reverts):
    receipt = lots.declareLot(mine_id, 100_000, 250_000, ROOT_1, "ipfs://ore-1", "PE-ORE-0001", sender=miner)

    assert emitted(receipt) == [
        ("Transfer", {"from": ZERO_ADDRESS, "to": miner.address, "tokenId": 1}),
        (
            "LotDeclared",
            {
                "lotId": 1,
                "mineId": mine_id,
                "fineGoldMg": 100_000,
                "grossMassMg": 250_000,
                "passportRoot": ROOT_1,
                "passportURI": "ipfs://ore-1",
                "externalRef": "PE-ORE-0001",
            },
        ),
    ]
    assert record(lots, 1) == {
        "holder": miner.address,
        "form": ORE,
        "fineGoldMg": 100_000,
        "mineId": mine_id,
        "consumed": False,
        "passportRoot": ROOT_1,
        "passportVersion": 1,
    }
    assert lots.ownerOf(1) == miner.address
    assert lots.balanceOf(miner) == 1
    with reverts(lots.UnknownLot, lotId=2):
        lots.lot(2)
    assert lots.mine(mine_id).declaredThisYearMg == 100_000


def test_declared_lots_are_numbered_from_one(lots, declare, miner, reverts):
    assert [declare(1), declare(2), declare(3)] == [1, 2, 3]
    assert lots.balanceOf(miner) == 3
    with reverts(lots.UnknownLot, lotId=4):
        lots.lot(4)


def test_declare_lot_fine_gold_may_equal_gross_mass(lots, declare):
    lot = declare(7_000, 7_000)

    assert lots.lot(lot).fineGoldMg == 7_000


@pytest.mark.anvil
@pytest.mark.parametrize("who", ["miner2", "plant", "outsider", "registrar"])
def test_only_the_mine_operator_declares(lots, mine_id, declare, reverts, request, who):
    caller = request.getfixturevalue(who)

    with reverts(lots.NotMineOperator, mineId=mine_id, account=caller.address):
        declare(1_000, sender=caller)


def test_operator_of_one_mine_cannot_declare_from_another(
    lots, declare, register_mine, miner, miner2, reverts
):
    other_mine = register_mine(miner2, label="other")

    with reverts(lots.NotMineOperator, mineId=other_mine, account=miner.address):
        declare(1_000, mine=other_mine, sender=miner)


@pytest.mark.parametrize("unknown", [0, 2, 2**32, 2**32 + 1, 2**256 - 1])
def test_declare_lot_rejects_unknown_mine(lots, mine_id, declare, reverts, unknown):
    with reverts(lots.UnknownMine, mineId=unknown):
        declare(1_000, mine=unknown)


@pytest.mark.parametrize("who", ["miner3", "plant", "outsider"])
def test_caller_without_a_mine_declaring_from_an_unknown_mine(lots, mine_id, declare, reverts, request, who):
    """Mine 0 never exists, even for a caller whose account holds no mine (mine id 0)."""
    caller = request.getfixturevalue(who)

    for unknown in (0, mine_id + 1):
        with reverts(lots.UnknownMine, mineId=unknown):
            declare(1_000, mine=unknown, sender=caller)


@pytest.mark.anvil
@pytest.mark.parametrize(("action", "status"), [("suspendMine", SUSPENDED), ("revokeMine", REVOKED)])
def test_declare_lot_requires_active_mine(lots, registrar, mine_id, declare, reverts, action, status):
    getattr(lots, action)(mine_id, sender=registrar)

    with reverts(lots.MineNotActive, mineId=mine_id, status=status):
        declare(1_000)


def test_reactivated_mine_declares_again(lots, registrar, miner, mine_id, declare):
    lots.suspendMine(mine_id, sender=registrar)
    lots.reactivateMine(mine_id, sender=registrar)

    assert lots.ownerOf(declare(1_000)) == miner.address


def test_declare_lot_up_to_and_not_after_permit_expiry(lots, register_mine, declare, miner3, chain, reverts):
    expiry = chain.pending_timestamp + 1_000
    mine = register_mine(miner3, expiry=expiry)

    chain.pending_timestamp = expiry
    declare(1_000, mine=mine, sender=miner3)
    chain.pending_timestamp = expiry + 1

    with reverts(lots.PermitExpired, mineId=mine, permitExpiry=expiry):
        declare(1_000, mine=mine, sender=miner3)


def test_shortened_permit_expires(lots, registrar, mine_id, declare, chain, reverts):
    expiry = chain.pending_timestamp + 1_000
    lots.updatePermit(mine_id, keccak(text="shortened"), expiry, sender=registrar)
    chain.pending_timestamp = expiry + 1

    with reverts(lots.PermitExpired, mineId=mine_id, permitExpiry=expiry):
        declare(1_000)


def test_renewed_permit_allows_declaring_again(lots, registrar, register_mine, declare, miner3, chain):
    expiry = chain.pending_timestamp + 1_000
    mine = register_mine(miner3, expiry=expiry)
    chain.pending_timestamp = expiry + 10

    lots.updatePermit(mine, keccak(text="renewed"), expiry + 86_400, sender=registrar)

    assert lots.lot(declare(1_000, mine=mine, sender=miner3)).mineId == mine


def test_removed_operator_cannot_declare(lots, registrar, miner, mine_id, declare, reverts):
    lots.removeParticipant(miner, sender=registrar)

    with reverts(lots.NotMineOperatorRole, account=miner.address):
        declare(1_000)


def test_operator_moved_to_another_role_cannot_declare(lots, registrar, miner, mine_id, declare, reverts):
    lots.registerParticipant(miner, TRADER, sender=registrar)

    with reverts(lots.NotMineOperatorRole, account=miner.address):
        declare(1_000)


def test_declaration_rules_are_checked_in_order(
    lots, registrar, miner, miner2, mine_id, declare, capacity_mg, chain, reverts
):
    """With every rule broken at once, each error shows in turn as the one before it is mended."""
    first = declare(1_000, ref="PE-ORE-0001")
    expiry = chain.pending_timestamp + 1_000
    lots.updatePermit(mine_id, keccak(text="short permit"), expiry, sender=registrar)
    lots.suspendMine(mine_id, sender=registrar)
    lots.removeParticipant(miner, sender=registrar)
    lots.removeParticipant(miner2, sender=registrar)
    chain.pending_timestamp = expiry + 1

    def attempt(fine=capacity_mg, gross=None, *, mine=mine_id, sender=miner, root=ROOT_1, ref="PE-ORE-0001"):
        return declare(fine, gross, mine=mine, sender=sender, root=root, ref=ref)

    with reverts(lots.InvalidMass, fineGoldMg=0, grossMassMg=0):
        attempt(0, 0, mine=mine_id + 1, sender=miner2, root=bytes(32))
    with reverts(lots.EmptyPassportRoot):
        attempt(mine=mine_id + 1, sender=miner2, root=bytes(32))
    with reverts(lots.UnknownMine, mineId=mine_id + 1):
        attempt(mine=mine_id + 1, sender=miner2)
    with reverts(lots.NotMineOperator, mineId=mine_id, account=miner2.address):
        attempt(sender=miner2)
    with reverts(lots.NotMineOperatorRole, account=miner.address):
        attempt()
    lots.registerParticipant(miner, MINE_OPERATOR, sender=registrar)
    with reverts(lots.MineNotActive, mineId=mine_id, status=SUSPENDED):
        attempt()
    lots.reactivateMine(mine_id, sender=registrar)
    with reverts(lots.PermitExpired, mineId=mine_id, permitExpiry=expiry):
        attempt()
    lots.updatePermit(
        mine_id, keccak(text="renewed permit"), chain.pending_timestamp + 86_400, sender=registrar
    )
    with reverts(
        lots.CapacityExceeded, mineId=mine_id, requestedMg=capacity_mg, remainingMg=capacity_mg - 1_000
    ):
        attempt()
    with reverts(lots.DuplicateExternalRef, issuer=miner.address, externalRef="PE-ORE-0001", lotId=first):
        attempt(capacity_mg - 1_000)

    assert attempt(capacity_mg - 1_000, ref="PE-ORE-0002") == first + 1
    assert lots.mine(mine_id).declaredThisYearMg == capacity_mg


@pytest.mark.parametrize(
    ("fine", "gross"), [(0, 0), (0, 1_000), (1_001, 1_000), (UINT40_MAX + 1, UINT40_MAX + 1), (2**256 - 1, 1)]
)
def test_declare_lot_rejects_invalid_mass(lots, mine_id, declare, reverts, fine, gross):
    with reverts(lots.InvalidMass, fineGoldMg=fine, grossMassMg=gross):
        declare(fine, gross)


def test_declare_lot_rejects_empty_passport_root(lots, mine_id, declare, reverts):
    with reverts(lots.EmptyPassportRoot):
        declare(1_000, root=bytes(32))


def test_yearly_capacity_counts_every_declaration(lots, mine_id, declare, capacity_mg, reverts):
    declare(400_000)
    declare(400_000)

    with reverts(lots.CapacityExceeded, mineId=mine_id, requestedMg=300_000, remainingMg=200_000):
        declare(300_000)
    declare(200_000)
    with reverts(lots.CapacityExceeded, mineId=mine_id, requestedMg=1, remainingMg=0):
        declare(1)
    assert lots.mine(mine_id).declaredThisYearMg == capacity_mg


def test_one_declaration_cannot_exceed_capacity(lots, mine_id, declare, capacity_mg, reverts):
    with reverts(lots.CapacityExceeded, mineId=mine_id, requestedMg=capacity_mg + 1, remainingMg=capacity_mg):
        declare(capacity_mg + 1)


def test_capacity_is_per_mine(lots, register_mine, declare, miner2, mine_id, capacity_mg):
    other_mine = register_mine(miner2, label="other")
    declare(capacity_mg)

    declare(capacity_mg, mine=other_mine, sender=miner2)

    assert lots.mine(mine_id).declaredThisYearMg == capacity_mg
    assert lots.mine(other_mine).declaredThisYearMg == capacity_mg


@pytest.mark.parametrize("year", [None, 2028, 2100])
def test_new_calendar_year_restores_capacity(lots, register_mine, declare, miner3, chain, reverts, year):
    # A permit up to 2106 (the uint32 limit) so that the mine outlives every year tried here.
    mine = register_mine(miner3, capacity_mg=50_000, expiry=UINT32_MAX)
    if year is not None:
        chain.pending_timestamp = utc(year, 6, 1)
    year = datetime.fromtimestamp(chain.pending_timestamp, UTC).year
    declare(50_000, mine=mine, sender=miner3)

    chain.pending_timestamp = utc(year, 12, 31, 23, 59, 59)
    with reverts(lots.CapacityExceeded, mineId=mine, requestedMg=1, remainingMg=0):
        declare(1, mine=mine, sender=miner3)
    chain.pending_timestamp = utc(year + 1)
    declare(50_000, mine=mine, sender=miner3)

    chain.pending_timestamp = utc(year + 1, 1, 1, 0, 0, 1)
    with reverts(lots.CapacityExceeded, mineId=mine, requestedMg=1, remainingMg=0):
        declare(1, mine=mine, sender=miner3)


def test_new_year_restores_the_capacity_set_last_year(lots, registrar, mine_id, declare, chain, reverts):
    declare(600_000)
    lots.setMineCapacity(mine_id, 500_000, sender=registrar)
    year = datetime.fromtimestamp(chain.pending_timestamp, UTC).year

    chain.pending_timestamp = utc(year + 1)
    with reverts(lots.CapacityExceeded, mineId=mine_id, requestedMg=500_001, remainingMg=500_000):
        declare(500_001)
    declare(500_000)

    assert lots.mine(mine_id).declaredThisYearMg == 500_000


def test_capacity_set_before_the_first_declaration_of_a_year_applies_in_full(
    lots, registrar, mine_id, declare, chain, reverts
):
    declare(600_000)
    year = datetime.fromtimestamp(chain.pending_timestamp, UTC).year
    chain.mine(timestamp=utc(year + 1))

    lots.setMineCapacity(mine_id, 700_000, sender=registrar)

    assert (lots.mine(mine_id).capacityMg, lots.mine(mine_id).declaredThisYearMg) == (700_000, 0)
    with reverts(lots.CapacityExceeded, mineId=mine_id, requestedMg=700_001, remainingMg=700_000):
        declare(700_001)
    declare(700_000)
    assert lots.mine(mine_id).declaredThisYearMg == 700_000


def test_mine_view_reports_the_new_year(lots, register_mine, declare, miner3, chain):
    mine = register_mine(miner3, capacity_mg=50_000)
    declare(50_000, mine=mine, sender=miner3)
    year = datetime.fromtimestamp(chain.blocks.head.timestamp, UTC).year

    chain.mine(timestamp=utc(year + 1))

    assert (lots.mine(mine).year, lots.mine(mine).declaredThisYearMg) == (year + 1, 0)
    declare(1_234, mine=mine, sender=miner3)
    assert (lots.mine(mine).year, lots.mine(mine).declaredThisYearMg) == (year + 1, 1_234)


# ---------------------------------------------------------------- lot ids


@pytest.mark.anvil
def test_each_holder_mints_from_its_own_block_of_ids(
    lots, register_mine, declare, miner, miner2, plant, reverts, emitted
):
    other = register_mine(miner2, label="other")
    first = declare(1_000)
    lots.transferFrom(miner, plant, first, sender=miner)
    # The plant received a lot but minted none: it has no block yet, so the next holder to mint takes block 2.
    second = declare(2_000, mine=other, sender=miner2)
    third = declare(3_000)
    lots.transferFrom(miner2, plant, second, sender=miner2)

    receipt = lots.transform(
        [first, second], [output(DORE, 2_500), output(DORE, 400)], DORE_ROOT, "", sender=plant
    )

    assert (first, second, third) == (1, 101, 2)
    assert [event for event in emitted(receipt) if event[1].get("from") == ZERO_ADDRESS] == [
        ("Transfer", {"from": ZERO_ADDRESS, "to": plant.address, "tokenId": 201}),
        ("Transfer", {"from": ZERO_ADDRESS, "to": plant.address, "tokenId": 202}),
    ]
    assert produced(lots, receipt) == [201, 202]
    assert (declare(4_000, mine=other, sender=miner2), declare(5_000)) == (102, 3)
    assert [lots.ownerOf(lot) for lot in (2, 3, 102, 201, 202)] == [
        miner.address,
        miner.address,
        miner2.address,
        plant.address,
        plant.address,
    ]
    assert [lots.balanceOf(holder) for holder in (miner, miner2, plant)] == [2, 1, 2]
    for unknown in (4, 103, 203, 301):
        with reverts(lots.UnknownLot, lotId=unknown):
            lots.lot.transact(unknown, sender=plant)  # a transaction, for Anvil (see `reverts`)


def test_holder_takes_the_next_free_block_when_its_ids_run_out(
    lots, register_mine, declare, miner, miner2, mine_id, reverts
):
    first = declare(100_000)
    split = lots.transform([first], [output(REFINED, 1_000)] * 64, ROOT_2, "", sender=miner)
    last = produced(lots, split)[-1]
    rest = lots.transform([last], [output(REFINED, 10)] * 35, ROOT_3, "", sender=miner)
    assert (first, produced(lots, split), produced(lots, rest)) == (
        1,
        list(range(2, 66)),
        list(range(66, 101)),
    )
    other = register_mine(miner2, label="other")
    assert declare(1_000, mine=other, sender=miner2) == 101

    assert declare(2_000) == 201
    merged = lots.transform([2, 3], [output(DORE, 1_500), output(DORE, 500)], DORE_ROOT, "", sender=miner)

    assert produced(lots, merged) == [202, 203]
    assert (lots.ownerOf(100), lots.ownerOf(101), lots.ownerOf(201)) == (
        miner.address,
        miner2.address,
        miner.address,
    )
    assert lots.balanceOf(miner) == 63 + 35 + 1 + 2 - 2
    assert lots.mine(mine_id).declaredThisYearMg == 102_000
    with reverts(lots.UnknownLot, lotId=204):
        lots.lot(204)


def test_a_failed_mint_takes_no_ids(lots, register_mine, declare, miner, miner2, plant, reverts):
    lot = declare(1_000)
    lots.transferFrom(miner, plant, lot, sender=miner)
    with reverts(lots.MassNotConserved, inputMg=1_000, outputMg=1_001):
        lots.transform([lot], [output(DORE, 1_001)], DORE_ROOT, "", sender=plant)

    other = register_mine(miner2, label="other")

    assert declare(1_000, mine=other, sender=miner2) == 101
    assert produced(lots, lots.transform([lot], [output(DORE, 900)], DORE_ROOT, "", sender=plant)) == [201]


# ---------------------------------------------------------------- external references


def test_external_ref_finds_the_lot(lots, declare, miner):
    lot = declare(1_000, ref="PE-ORE-0001")

    assert lots.lotByExternalRef(miner, "PE-ORE-0001") == lot
    assert lots.lotByExternalRef(miner, "PE-ORE-0002") == 0


@pytest.mark.anvil
def test_external_ref_is_unique_per_issuer(lots, mine_id, declare, miner, reverts):
    first = declare(1_000, ref="PE-ORE-0001")

    with reverts(lots.DuplicateExternalRef, issuer=miner.address, externalRef="PE-ORE-0001", lotId=first):
        declare(2_000, ref="PE-ORE-0001")

    assert (lots.balanceOf(miner), lots.mine(mine_id).declaredThisYearMg) == (1, 1_000)
    assert declare(2_000, ref="PE-ORE-0002") == first + 1


def test_same_external_ref_by_another_issuer_is_allowed(lots, register_mine, declare, miner, miner2):
    first = declare(1_000, ref="PE-ORE-0001")
    other_mine = register_mine(miner2, label="other")

    second = declare(1_000, ref="PE-ORE-0001", mine=other_mine, sender=miner2)

    assert lots.lotByExternalRef(miner, "PE-ORE-0001") == first
    assert lots.lotByExternalRef(miner2, "PE-ORE-0001") == second


def test_external_ref_outlives_the_operator_readmission(lots, registrar, declare, miner, reverts):
    first = declare(1_000, ref="PE-ORE-0001")
    lots.removeParticipant(miner, sender=registrar)

    lots.registerParticipant(miner, MINE_OPERATOR, sender=registrar)

    with reverts(lots.DuplicateExternalRef, issuer=miner.address, externalRef="PE-ORE-0001", lotId=first):
        declare(1_000, ref="PE-ORE-0001")
    assert declare(1_000, ref="PE-ORE-0002") == first + 1


def test_empty_external_ref_is_never_recorded(lots, declare, miner):
    assert [declare(1_000, ref=""), declare(1_000, ref="")] == [1, 2]

    assert lots.balanceOf(miner) == 2
    assert lots.lotByExternalRef(miner, "") == 0


def test_failed_declaration_does_not_take_the_ref(lots, mine_id, declare, capacity_mg, miner, reverts):
    with reverts(lots.CapacityExceeded, mineId=mine_id, requestedMg=capacity_mg + 1, remainingMg=capacity_mg):
        declare(capacity_mg + 1, ref="PE-ORE-0001")

    retried = declare(capacity_mg, ref="PE-ORE-0001")

    assert lots.lotByExternalRef(miner, "PE-ORE-0001") == retried


def test_external_ref_of_consumed_lot_still_blocks_a_retry(lots, declare, miner, reverts):
    lot = declare(1_000, ref="PE-ORE-0001")
    lots.transform([lot], [output(CONCENTRATE, 900)], ROOT_2, "", sender=miner)

    with reverts(lots.DuplicateExternalRef, issuer=miner.address, externalRef="PE-ORE-0001", lotId=lot):
        declare(1_000, ref="PE-ORE-0001")


# ---------------------------------------------------------------- recordPassport


def test_record_passport_appends_versions(lots, miner, lot_id, emitted):
    second = lots.recordPassport(lot_id, ROOT_2, "ipfs://v2", sender=miner)
    third = lots.recordPassport(lot_id, ROOT_3, "ipfs://v3", sender=miner)

    assert emitted(second) == [
        (
            "PassportRecorded",
            {"lotId": lot_id, "version": 2, "passportRoot": ROOT_2, "passportURI": "ipfs://v2"},
        )
    ]
    assert emitted(third) == [
        (
            "PassportRecorded",
            {"lotId": lot_id, "version": 3, "passportRoot": ROOT_3, "passportURI": "ipfs://v3"},
        )
    ]
    assert (lots.lot(lot_id).passportRoot, lots.lot(lot_id).passportVersion) == (ROOT_3, 3)


@pytest.mark.anvil
@pytest.mark.parametrize("who", ["plant", "outsider", "registrar"])
def test_only_the_holder_records_a_passport(lots, miner, lot_id, reverts, request, who):
    caller = request.getfixturevalue(who)

    with reverts(lots.NotHolder, lotId=lot_id, account=caller.address, holder=miner.address):
        lots.recordPassport(lot_id, ROOT_2, "", sender=caller)


@pytest.mark.anvil
def test_an_approved_address_does_not_record_a_passport(lots, miner, plant, lot_id, reverts):
    lots.approve(plant, lot_id, sender=miner)

    with reverts(lots.NotHolder, lotId=lot_id, account=plant.address, holder=miner.address):
        lots.recordPassport(lot_id, ROOT_2, "", sender=plant)


def test_passport_follows_the_lot_to_its_new_holder(lots, miner, plant, lot_id, reverts):
    lots.transferFrom(miner, plant, lot_id, sender=miner)

    lots.recordPassport(lot_id, ROOT_2, "", sender=plant)

    assert lots.lot(lot_id).passportVersion == 2
    with reverts(lots.NotHolder, lotId=lot_id, account=miner.address, holder=plant.address):
        lots.recordPassport(lot_id, ROOT_3, "", sender=miner)


def test_record_passport_rejects_empty_root(lots, miner, lot_id, reverts):
    with reverts(lots.EmptyPassportRoot):
        lots.recordPassport(lot_id, bytes(32), "", sender=miner)


@pytest.mark.parametrize("unknown", [0, 2])
def test_record_passport_rejects_unknown_lot(lots, miner, lot_id, reverts, unknown):
    with reverts(lots.UnknownLot, lotId=unknown):
        lots.recordPassport(unknown, ROOT_2, "", sender=miner)


def test_record_passport_rejects_consumed_lot(lots, miner, lot_id, reverts):
    lots.transform([lot_id], [output(CONCENTRATE, 50_000)], ROOT_2, "", sender=miner)

    with reverts(lots.LotConsumed, lotId=lot_id):
        lots.recordPassport(lot_id, ROOT_3, "", sender=miner)


@pytest.mark.anvil
def test_a_removed_holder_records_no_passport(lots, registrar, miner, plant, lot_id, reverts):
    lots.transferFrom(miner, plant, lot_id, sender=miner)
    lots.removeParticipant(plant, sender=registrar)

    with reverts(lots.NotParticipant, account=plant.address):
        lots.recordPassport(lot_id, ROOT_2, "", sender=plant)

    assert record(lots, lot_id) == {
        "holder": plant.address,
        "form": ORE,
        "fineGoldMg": 100_000,
        "mineId": 1,
        "consumed": False,
        "passportRoot": ROOT_1,
        "passportVersion": 1,
    }


def test_the_holder_check_comes_before_the_admission_check(lots, registrar, miner, plant, lot_id, reverts):
    lots.removeParticipant(plant, sender=registrar)

    with reverts(lots.NotHolder, lotId=lot_id, account=plant.address, holder=miner.address):
        lots.recordPassport(lot_id, ROOT_2, "", sender=plant)


def test_a_readmitted_holder_records_passports_again(lots, registrar, miner, plant, lot_id, emitted):
    lots.transferFrom(miner, plant, lot_id, sender=miner)
    lots.removeParticipant(plant, sender=registrar)
    lots.registerParticipant(plant, TRADER, sender=registrar)

    receipt = lots.recordPassport(lot_id, ROOT_2, "ipfs://v2", sender=plant)

    assert emitted(receipt) == [
        (
            "PassportRecorded",
            {"lotId": lot_id, "version": 2, "passportRoot": ROOT_2, "passportURI": "ipfs://v2"},
        )
    ]


def test_consumed_lot_keeps_only_its_last_passport_root(lots, miner, lot_id):
    """A consumed lot's slot is cleared for the gas refund; its last root stays, the rest is in its events."""
    lots.recordPassport(lot_id, ROOT_2, "", sender=miner)

    lots.transform([lot_id], [output(CONCENTRATE, 50_000)], DORE_ROOT, "", sender=miner)

    assert dict(lots.lot(lot_id).items()) == {
        "holder": ZERO_ADDRESS,
        "form": 0,
        "fineGoldMg": 0,
        "mineId": 0,
        "consumed": True,
        "passportRoot": ROOT_2,
        "passportVersion": 0,
    }


# ---------------------------------------------------------------- transfers


@pytest.mark.anvil
def test_transfer_from_moves_the_lot(lots, miner, plant, lot_id, emitted):
    receipt = lots.transferFrom(miner, plant, lot_id, sender=miner)

    assert emitted(receipt) == [("Transfer", {"from": miner.address, "to": plant.address, "tokenId": lot_id})]
    assert lots.ownerOf(lot_id) == plant.address
    assert lots.lot(lot_id).holder == plant.address
    assert (lots.balanceOf(miner), lots.balanceOf(plant)) == (0, 1)


@pytest.mark.anvil
@pytest.mark.parametrize("data", [None, b"", b"\x01\x02"])
def test_safe_transfer_from_moves_the_lot(lots, miner, refiner, lot_id, emitted, data):
    args = (miner, refiner, lot_id) if data is None else (miner, refiner, lot_id, data)

    receipt = lots.safeTransferFrom(*args, sender=miner)

    assert emitted(receipt) == [
        ("Transfer", {"from": miner.address, "to": refiner.address, "tokenId": lot_id})
    ]
    assert lots.ownerOf(lot_id) == refiner.address
    assert (lots.balanceOf(miner), lots.balanceOf(refiner)) == (0, 1)


@pytest.mark.anvil
@pytest.mark.parametrize("method", ["transferFrom", "safeTransferFrom"])
def test_lots_reach_only_admitted_participants(lots, miner, outsider, lot_id, reverts, method):
    with reverts(lots.NotParticipant, account=outsider.address):
        getattr(lots, method)(miner, outsider, lot_id, sender=miner)

    assert lots.ownerOf(lot_id) == miner.address


def test_transfer_to_zero_address_reverts(lots, miner, lot_id, reverts):
    with reverts(lots.ERC721InvalidReceiver, receiver=ZERO_ADDRESS):
        lots.transferFrom(miner, ZERO_ADDRESS, lot_id, sender=miner)


@pytest.mark.anvil
def test_unapproved_caller_cannot_transfer(lots, miner, plant, lot_id, reverts):
    with reverts(lots.ERC721InsufficientApproval, operator=plant.address, tokenId=lot_id):
        lots.transferFrom(miner, plant, lot_id, sender=plant)


def test_transfer_from_wrong_owner_reverts(lots, miner, plant, refiner, lot_id, reverts):
    with reverts(lots.ERC721IncorrectOwner, sender=plant.address, tokenId=lot_id, owner=miner.address):
        lots.transferFrom(plant, refiner, lot_id, sender=miner)


@pytest.mark.parametrize("unknown", [0, 2])
def test_transfer_of_unknown_lot_reverts(lots, miner, plant, lot_id, reverts, unknown):
    with reverts(lots.UnknownLot, lotId=unknown):
        lots.transferFrom(miner, plant, unknown, sender=miner)


@pytest.mark.anvil
def test_approved_address_transfers_once(lots, miner, plant, refiner, outsider, lot_id, reverts, emitted):
    approval = lots.approve(outsider, lot_id, sender=miner)
    assert emitted(approval) == [
        ("Approval", {"owner": miner.address, "approved": outsider.address, "tokenId": lot_id})
    ]
    assert lots.getApproved(lot_id) == outsider.address

    lots.transferFrom(miner, plant, lot_id, sender=outsider)

    assert lots.ownerOf(lot_id) == plant.address
    assert lots.getApproved(lot_id) == ZERO_ADDRESS
    with reverts(lots.ERC721InsufficientApproval, operator=outsider.address, tokenId=lot_id):
        lots.transferFrom(plant, refiner, lot_id, sender=outsider)


@pytest.mark.anvil
def test_operator_approved_for_all_transfers(lots, miner, plant, outsider, declare, emitted):
    first, second = declare(1_000), declare(2_000)
    receipt = lots.setApprovalForAll(outsider, True, sender=miner)
    assert emitted(receipt) == [
        ("ApprovalForAll", {"owner": miner.address, "operator": outsider.address, "approved": True})
    ]

    lots.transferFrom(miner, plant, first, sender=outsider)
    lots.safeTransferFrom(miner, plant, second, sender=outsider)

    assert lots.isApprovedForAll(miner, outsider)
    assert (lots.balanceOf(miner), lots.balanceOf(plant)) == (0, 2)


def test_only_the_holder_approves(lots, plant, lot_id, reverts):
    with reverts(lots.ERC721InvalidApprover, approver=plant.address):
        lots.approve(plant, lot_id, sender=plant)


@pytest.mark.anvil
def test_removed_participant_can_send_but_not_receive(
    lots, registrar, miner, plant, refiner, declare, reverts
):
    kept, sent, refused = declare(1_000), declare(2_000), declare(3_000)
    lots.transferFrom(miner, plant, kept, sender=miner)
    lots.transferFrom(miner, plant, sent, sender=miner)

    lots.removeParticipant(plant, sender=registrar)

    assert lots.balanceOf(plant) == 2
    lots.transferFrom(plant, refiner, sent, sender=plant)
    assert lots.ownerOf(sent) == refiner.address
    with reverts(lots.NotParticipant, account=plant.address):
        lots.transferFrom(miner, plant, refused, sender=miner)
    assert (lots.balanceOf(plant), lots.balanceOf(refiner), lots.balanceOf(miner)) == (1, 1, 1)


# ---------------------------------------------------------------- transform


@pytest.mark.anvil
def test_merge_burns_inputs_and_mints_one_output(lots, miner, plant, ore_at_plant, emitted, reverts):
    a, b, c = ore_at_plant

    receipt = lots.transform(
        ore_at_plant, [output(DORE, 34_000, 40_000)], DORE_ROOT, "ipfs://dore", sender=plant
    )

    dore = LOT_ID_BLOCK + 1  # the plant's first mint takes the second block of ids
    assert (a, b, c) == (1, 2, 3)
    assert emitted(receipt) == [
        ("Transfer", {"from": plant.address, "to": ZERO_ADDRESS, "tokenId": a}),
        ("Transfer", {"from": plant.address, "to": ZERO_ADDRESS, "tokenId": b}),
        ("Transfer", {"from": plant.address, "to": ZERO_ADDRESS, "tokenId": c}),
        ("Transfer", {"from": ZERO_ADDRESS, "to": plant.address, "tokenId": dore}),
        (
            "LotProduced",
            {
                "lotId": dore,
                "form": DORE,
                "fineGoldMg": 34_000,
                "grossMassMg": 40_000,
                "parents": [a, b, c],
                "passportRoot": DORE_ROOT,
                "passportURI": "ipfs://dore",
            },
        ),
    ]
    assert record(lots, dore) == {
        "holder": plant.address,
        "form": DORE,
        "fineGoldMg": 34_000,
        "mineId": 0,
        "consumed": False,
        "passportRoot": DORE_ROOT,
        "passportVersion": 1,
    }
    assert (lots.balanceOf(plant), lots.balanceOf(miner)) == (1, 0)
    # Sent as a transaction, for Anvil (see the `reverts` fixture).
    with reverts(lots.UnknownLot, lotId=dore + 1):
        lots.lot.transact(dore + 1, sender=plant)
    for parent in ore_at_plant:
        assert lots.lot(parent).consumed is True
        assert lots.lot(parent).holder == ZERO_ADDRESS


def test_burned_inputs_no_longer_exist_as_tokens(lots, plant, ore_at_plant, reverts):
    lots.transform(ore_at_plant, [output(DORE, 35_000)], DORE_ROOT, "", sender=plant)

    for parent in ore_at_plant:
        with reverts(lots.ERC721NonexistentToken, tokenId=parent):
            lots.ownerOf(parent)
        with reverts(lots.ERC721NonexistentToken, tokenId=parent):
            lots.tokenURI(parent)
        with reverts(lots.ERC721NonexistentToken, tokenId=parent):
            lots.getApproved(parent)


def test_split_mints_outputs_with_the_same_parent(lots, miner, lot_id, emitted):
    outputs = [output(REFINED, 50_000), output(REFINED, 30_000), output(REFINED, 19_990)]

    receipt = lots.transform([lot_id], outputs, ROOT_2, "ipfs://bars", sender=miner)

    bars = produced(lots, receipt)
    assert bars == [2, 3, 4]
    assert emitted(receipt)[0] == ("Transfer", {"from": miner.address, "to": ZERO_ADDRESS, "tokenId": lot_id})
    assert [event for event in emitted(receipt) if event[0] == "LotProduced"] == [
        (
            "LotProduced",
            {
                "lotId": bar,
                "form": REFINED,
                "fineGoldMg": fine,
                "grossMassMg": fine,
                "parents": [lot_id],
                "passportRoot": ROOT_2,
                "passportURI": "ipfs://bars",
            },
        )
        for bar, (_, fine, _) in zip(bars, outputs, strict=True)
    ]
    assert [lots.ownerOf(bar) for bar in bars] == [miner.address] * 3
    assert lots.balanceOf(miner) == 3


def test_transform_may_conserve_fine_gold_exactly(lots, plant, ore_at_plant):
    receipt = lots.transform(ore_at_plant, [output(DORE, 35_000, 35_000)], DORE_ROOT, "", sender=plant)

    assert lots.lot(produced(lots, receipt)[0]).fineGoldMg == 35_000


@pytest.mark.anvil
def test_transform_cannot_create_fine_gold(lots, plant, ore_at_plant, reverts):
    outputs = [output(DORE, 20_000), output(DORE, 15_001)]

    with reverts(lots.MassNotConserved, inputMg=35_000, outputMg=35_001):
        lots.transform(ore_at_plant, outputs, DORE_ROOT, "", sender=plant)

    assert lots.balanceOf(plant) == 3


@pytest.mark.parametrize(("fine", "gross"), [(0, 0), (0, 5), (11, 10)])
def test_transform_rejects_invalid_output_mass(lots, plant, ore_at_plant, reverts, fine, gross):
    with reverts(lots.InvalidMass, fineGoldMg=fine, grossMassMg=gross):
        lots.transform(ore_at_plant, [output(DORE, 1_000), (DORE, fine, gross)], DORE_ROOT, "", sender=plant)


@pytest.mark.anvil
def test_repeated_input_is_consumed_once(lots, plant, ore_at_plant, reverts):
    a, b, _ = ore_at_plant

    with reverts(lots.LotConsumed, lotId=a):
        lots.transform([a, b, a], [output(DORE, 1_000)], DORE_ROOT, "", sender=plant)


@pytest.mark.anvil
def test_inputs_must_share_one_holder(lots, plant, refiner, ore_at_plant, reverts):
    a, b, _ = ore_at_plant
    lots.transferFrom(plant, refiner, b, sender=plant)

    with reverts(lots.MixedHolders, lotId=b, holder=plant.address, other=refiner.address):
        lots.transform([a, b], [output(DORE, 1_000)], DORE_ROOT, "", sender=plant)


@pytest.mark.parametrize(
    ("inputs", "outputs"),
    [(0, 1), (1, 0), (0, 0), (MAX_TRANSFORM_LOTS + 1, 1), (1, MAX_TRANSFORM_LOTS + 1)],
)
def test_transform_bounds_inputs_and_outputs(lots, miner, lot_id, reverts, inputs, outputs):
    with reverts(lots.InvalidTransformation, inputs=inputs, outputs=outputs, max=MAX_TRANSFORM_LOTS):
        lots.transform([lot_id] * inputs, [output(REFINED, 1)] * outputs, ROOT_2, "", sender=miner)


def test_transform_accepts_the_maximum_number_of_outputs(lots, miner, lot_id):
    outputs = [output(REFINED, 1_000)] * MAX_TRANSFORM_LOTS

    receipt = lots.transform([lot_id], outputs, ROOT_2, "", sender=miner)

    assert produced(lots, receipt) == list(range(2, 2 + MAX_TRANSFORM_LOTS))
    assert lots.balanceOf(miner) == MAX_TRANSFORM_LOTS


def test_transform_rejects_empty_passport_root(lots, plant, ore_at_plant, reverts):
    with reverts(lots.EmptyPassportRoot):
        lots.transform(ore_at_plant, [output(DORE, 1_000)], bytes(32), "", sender=plant)


@pytest.mark.parametrize("unknown", [0, 4, LOT_ID_BLOCK + 1])
def test_transform_rejects_unknown_input(lots, plant, ore_at_plant, reverts, unknown):
    with reverts(lots.UnknownLot, lotId=unknown):
        lots.transform([ore_at_plant[0], unknown], [output(DORE, 1_000)], DORE_ROOT, "", sender=plant)


@pytest.mark.anvil
@pytest.mark.parametrize("who", ["miner", "refiner", "outsider"])
def test_only_the_holder_transforms(lots, plant, ore_at_plant, reverts, request, who):
    caller = request.getfixturevalue(who)

    with reverts(lots.NotHolder, lotId=ore_at_plant[0], account=caller.address, holder=plant.address):
        lots.transform(ore_at_plant, [output(DORE, 1_000)], DORE_ROOT, "", sender=caller)


@pytest.mark.anvil
def test_operator_approved_for_all_transforms_for_the_holder(lots, plant, outsider, ore_at_plant, emitted):
    lots.setApprovalForAll(outsider, True, sender=plant)

    receipt = lots.transform(ore_at_plant, [output(DORE, 30_000)], DORE_ROOT, "", sender=outsider)

    dore = produced(lots, receipt)[0]
    assert lots.ownerOf(dore) == plant.address
    assert ("Transfer", {"from": ZERO_ADDRESS, "to": plant.address, "tokenId": dore}) in emitted(receipt)
    assert (lots.balanceOf(plant), lots.balanceOf(outsider)) == (1, 0)


@pytest.mark.anvil
def test_address_approved_for_each_input_transforms(lots, plant, refiner, ore_at_plant, reverts):
    a, b, c = ore_at_plant
    lots.approve(refiner, a, sender=plant)
    lots.approve(refiner, b, sender=plant)

    with reverts(lots.NotHolder, lotId=c, account=refiner.address, holder=plant.address):
        lots.transform([a, b, c], [output(DORE, 1_000)], DORE_ROOT, "", sender=refiner)
    receipt = lots.transform([a, b], [output(DORE, 30_000)], DORE_ROOT, "", sender=refiner)

    assert lots.ownerOf(produced(lots, receipt)[0]) == plant.address


@pytest.mark.anvil
def test_removed_holder_cannot_transform(lots, registrar, plant, ore_at_plant, reverts):
    lots.removeParticipant(plant, sender=registrar)

    with reverts(lots.NotParticipant, account=plant.address):
        lots.transform(ore_at_plant, [output(DORE, 1_000)], DORE_ROOT, "", sender=plant)


@pytest.mark.anvil
def test_consumed_lot_can_never_be_used_again(lots, plant, refiner, ore_at_plant, reverts):
    a, b, c = ore_at_plant
    lots.transform([a, b], [output(DORE, 30_000)], DORE_ROOT, "", sender=plant)

    with reverts(lots.LotConsumed, lotId=a):
        lots.transferFrom(plant, refiner, a, sender=plant)
    with reverts(lots.LotConsumed, lotId=b):
        lots.safeTransferFrom(plant, refiner, b, sender=plant)
    with reverts(lots.LotConsumed, lotId=a):
        lots.transform([a], [output(DORE, 1)], DORE_ROOT, "", sender=plant)
    with reverts(lots.LotConsumed, lotId=b):
        lots.transform([c, b], [output(DORE, 1)], DORE_ROOT, "", sender=plant)
    with reverts(lots.LotConsumed, lotId=a):
        lots.recordPassport(a, ROOT_2, "", sender=plant)


def test_approval_of_consumed_lot_reverts(lots, plant, refiner, ore_at_plant, reverts):
    lots.transform(ore_at_plant[:1], [output(DORE, 1)], DORE_ROOT, "", sender=plant)

    with reverts(lots.ERC721NonexistentToken, tokenId=ore_at_plant[0]):
        lots.approve(refiner, ore_at_plant[0], sender=plant)


def test_outputs_can_be_transformed_again(lots, plant, ore_at_plant):
    dore = produced(lots, lots.transform(ore_at_plant, [output(DORE, 34_000)], DORE_ROOT, "", sender=plant))

    bars = produced(lots, lots.transform(dore, [output(REFINED, 17_000)] * 2, ROOT_3, "", sender=plant))

    assert (dore, bars) == ([LOT_ID_BLOCK + 1], [LOT_ID_BLOCK + 2, LOT_ID_BLOCK + 3])
    assert lots.lot(dore[0]).consumed is True
    assert lots.balanceOf(plant) == 2


# ---------------------------------------------------------------- tokenURI


def metadata(lots, lot_id):
    prefix = "data:application/json;base64,"
    uri = lots.tokenURI(lot_id)
    assert uri.startswith(prefix)
    return json.loads(base64.b64decode(uri[len(prefix) :]).decode())


def expected_metadata(lot_id, form, fine_mg, origin, root, version):
    return {
        "name": f"Filón lot #{lot_id}",
        "description": (
            "A lot of responsibly mined gold traced by Filón. "
            "Its digital product passport is committed to by the passport root."
        ),
        "attributes": [
            {"trait_type": "Form", "value": form},
            {"trait_type": "Fine gold (mg)", "display_type": "number", "value": fine_mg},
            {"trait_type": "Origin", "value": origin},
            {"trait_type": "Passport root", "value": "0x" + root.hex()},
            {"trait_type": "Passport version", "display_type": "number", "value": version},
        ],
    }


def test_token_uri_of_ore_lot(lots, mine_id, lot_id):
    assert metadata(lots, lot_id) == expected_metadata(lot_id, "ore", 100_000, f"mine {mine_id}", ROOT_1, 1)


def test_token_uri_names_the_mine(lots, register_mine, declare, miner2, miner3, mine_id):
    register_mine(miner2, label="second")
    third = register_mine(miner3, label="third")

    lot = declare(4_321, mine=third, sender=miner3, root=ROOT_2)

    assert metadata(lots, lot) == expected_metadata(lot, "ore", 4_321, "mine 3", ROOT_2, 1)


def test_token_uri_follows_passport_versions(lots, miner, mine_id, lot_id):
    lots.recordPassport(lot_id, ROOT_2, "", sender=miner)

    assert metadata(lots, lot_id) == expected_metadata(lot_id, "ore", 100_000, f"mine {mine_id}", ROOT_2, 2)


@pytest.mark.parametrize(
    ("form", "name"),
    [(CONCENTRATE, "concentrate"), (DORE, "doré"), (REFINED, "refined"), (PRODUCT, "product")],
)
def test_token_uri_of_transformed_lot(lots, miner, lot_id, form, name):
    receipt = lots.transform([lot_id], [output(form, 99_999, 120_000)], DORE_ROOT, "", sender=miner)
    child = produced(lots, receipt)[0]

    assert metadata(lots, child) == expected_metadata(child, name, 99_999, "transformed", DORE_ROOT, 1)


def test_token_uri_of_unknown_lot_reverts(lots, lot_id, reverts):
    with reverts(lots.ERC721NonexistentToken, tokenId=lot_id + 1):
        lots.tokenURI(lot_id + 1)


# ---------------------------------------------------------------- verifyPassportLeaf


def leaf(key, value):
    """A leaf as OpenZeppelin's StandardMerkleTree hashes it: keccak(keccak(abi.encode(key, value)))."""
    return keccak(keccak(encode(["string", "string"], [key, value])))


def node(a, b):
    return keccak(min(a, b) + max(a, b))


FIELDS = [
    ("producer", "Minera Ejemplo SAC"),
    ("country", "PE"),
    ("carbon_kg_co2e", "12.5"),
    ("fineness", "999.9"),
]
LEAVES = [leaf(key, value) for key, value in FIELDS]
TREE_ROOT = node(node(LEAVES[0], LEAVES[1]), node(LEAVES[2], LEAVES[3]))
PROOFS = [
    [LEAVES[1], node(LEAVES[2], LEAVES[3])],
    [LEAVES[0], node(LEAVES[2], LEAVES[3])],
    [LEAVES[3], node(LEAVES[0], LEAVES[1])],
    [LEAVES[2], node(LEAVES[0], LEAVES[1])],
]


@pytest.fixture
def proven_lot(declare):
    return declare(1_000, root=TREE_ROOT)


@pytest.mark.parametrize("index", range(4))
def test_verify_passport_leaf_accepts_a_good_proof(lots, proven_lot, index):
    assert lots.verifyPassportLeaf(proven_lot, LEAVES[index], PROOFS[index]) is True


def test_verify_passport_leaf_rejects_a_wrong_leaf(lots, proven_lot):
    forged = leaf("carbon_kg_co2e", "1.0")

    assert lots.verifyPassportLeaf(proven_lot, forged, PROOFS[2]) is False


def test_verify_passport_leaf_rejects_a_wrong_proof(lots, proven_lot):
    assert lots.verifyPassportLeaf(proven_lot, LEAVES[0], PROOFS[1]) is False
    assert lots.verifyPassportLeaf(proven_lot, LEAVES[0], PROOFS[0][:1]) is False
    assert lots.verifyPassportLeaf(proven_lot, LEAVES[0], []) is False


def test_verify_passport_leaf_rejects_the_unhashed_leaf(lots, proven_lot):
    single_hash = keccak(encode(["string", "string"], list(FIELDS[0])))

    assert lots.verifyPassportLeaf(proven_lot, single_hash, PROOFS[0]) is False


def test_verify_passport_leaf_checks_the_lot_own_root(lots, proven_lot, declare):
    other = declare(1_000, root=ROOT_2)

    assert lots.verifyPassportLeaf(other, LEAVES[0], PROOFS[0]) is False


def test_verify_passport_leaf_of_two_leaf_tree(lots, declare):
    root = node(LEAVES[0], LEAVES[1])
    lot = declare(1_000, root=root)

    assert lots.verifyPassportLeaf(lot, LEAVES[1], [LEAVES[0]]) is True
    assert lots.verifyPassportLeaf(lot, LEAVES[2], [LEAVES[0]]) is False


def test_verify_passport_leaf_uses_the_current_passport(lots, miner, proven_lot):
    new_leaf = leaf("carbon_kg_co2e", "11.0")
    new_root = node(node(LEAVES[0], LEAVES[1]), node(new_leaf, LEAVES[3]))

    lots.recordPassport(proven_lot, new_root, "", sender=miner)

    assert lots.verifyPassportLeaf(proven_lot, LEAVES[2], PROOFS[2]) is False
    assert lots.verifyPassportLeaf(proven_lot, new_leaf, PROOFS[2]) is True


def test_consumed_lot_passport_stays_provable(lots, miner, proven_lot):
    lots.transform([proven_lot], [output(DORE, 900)], ROOT_2, "", sender=miner)

    assert lots.verifyPassportLeaf(proven_lot, LEAVES[3], PROOFS[3]) is True


@pytest.mark.parametrize("unknown", [0, 2])
def test_verify_passport_leaf_rejects_unknown_lot(lots, proven_lot, reverts, unknown):
    with reverts(lots.UnknownLot, lotId=unknown):
        lots.verifyPassportLeaf(unknown, LEAVES[0], PROOFS[0])
