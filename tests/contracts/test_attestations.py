"""Attesters (auditors, laboratories): they hold no lots; they anchor and revoke credentials about lots and
mines."""

import pytest
from eth_account import Account
from eth_utils import keccak

import filon

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# IFilonRegistry.Role
NONE, MINE_OPERATOR, PROCESSOR, TRADER, AUDITOR, LABORATORY = 0, 1, 2, 4, 6, 7
LOT, MINE = 1, 2  # subject kinds
REFINED = 3  # IFilonLots.Form
ASSAY = keccak(text="credential: assay of lot 1")
AUDIT = keccak(text="credential: audit of mine 1")


@pytest.fixture
def auditor(lots, registrar, accounts):
    """accounts[9], admitted as an auditor."""
    lots.registerParticipant(accounts[9], AUDITOR, sender=registrar)
    return accounts[9]


@pytest.fixture
def laboratory(lots, registrar, outsider):
    """The outsider, admitted as a laboratory."""
    lots.registerParticipant(outsider, LABORATORY, sender=registrar)
    return outsider


@pytest.fixture
def lot_id(declare):
    return declare(10_000)


# ---------------------------------------------------------------- attesters hold no lots


@pytest.mark.parametrize("role", [AUDITOR, LABORATORY])
def test_attesters_are_admitted_with_their_roles(lots, registrar, outsider, emitted, role):
    receipt = lots.registerParticipant(outsider, role, sender=registrar)

    assert lots.roleOf(outsider) == role
    assert emitted(receipt) == [("ParticipantRegistered", {"account": outsider.address, "role": role})]


@pytest.mark.anvil
@pytest.mark.parametrize("method", ["transferFrom", "safeTransferFrom"])
def test_a_lot_never_reaches_an_attester(lots, miner, auditor, lot_id, reverts, method):
    with reverts(lots.AttesterCannotHold, account=auditor.address, role=AUDITOR):
        getattr(lots, method)(miner, auditor, lot_id, sender=miner)

    assert lots.ownerOf(lot_id) == miner.address


def test_a_signed_declaration_cannot_name_an_attester(
    lots, miner, plant, laboratory, mine_id, chain, reverts
):
    declaration = filon.sign_declaration(
        Account.from_key(miner.private_key),
        filon.DeclarationDomain(chain_id=chain.chain_id, verifying_contract=lots.address),
        mine_id=mine_id,
        fine_gold_mg=1_000,
        gross_mass_mg=2_000,
        passport_root=keccak(text="passport"),
        recipient=laboratory.address,
        nonce=0,
        deadline=chain.pending_timestamp + 3_600,
    )

    with reverts(lots.AttesterCannotHold, account=laboratory.address, role=LABORATORY):
        lots.submitDeclaration(declaration.as_contract_tuple(), "", declaration.signature, sender=plant)


@pytest.mark.anvil
def test_a_holder_cannot_become_an_attester(lots, registrar, miner, plant, lot_id, reverts):
    lots.transferFrom(miner, plant, lot_id, sender=miner)

    with reverts(lots.AttesterCannotHold, account=plant.address, role=AUDITOR):
        lots.registerParticipant(plant, AUDITOR, sender=registrar)

    assert lots.roleOf(plant) == PROCESSOR


def test_a_removed_holder_cannot_come_back_as_an_attester(lots, registrar, miner, plant, lot_id, reverts):
    lots.transferFrom(miner, plant, lot_id, sender=miner)
    lots.removeParticipant(plant, sender=registrar)

    with reverts(lots.AttesterCannotHold, account=plant.address, role=LABORATORY):
        lots.registerParticipant(plant, LABORATORY, sender=registrar)


def test_a_former_holder_with_no_lots_left_can_become_an_attester(lots, registrar, miner, plant, lot_id):
    lots.transferFrom(miner, plant, lot_id, sender=miner)
    lots.transferFrom(plant, miner, lot_id, sender=plant)

    lots.registerParticipant(plant, AUDITOR, sender=registrar)

    assert lots.roleOf(plant) == AUDITOR


def test_an_attester_moved_back_to_the_supply_chain_receives_lots(lots, registrar, miner, auditor, lot_id):
    lots.registerParticipant(auditor, TRADER, sender=registrar)

    lots.transferFrom(miner, auditor, lot_id, sender=miner)

    assert lots.ownerOf(lot_id) == auditor.address


# ---------------------------------------------------------------- anchoring


@pytest.mark.anvil
def test_an_auditor_anchors_a_credential_about_a_mine(lots, auditor, mine_id, emitted):
    receipt = lots.anchorAttestation(AUDIT, MINE, mine_id, sender=auditor)

    assert emitted(receipt) == [
        (
            "AttestationAnchored",
            {"credentialHash": AUDIT, "attester": auditor.address, "subjectKind": MINE, "subjectId": mine_id},
        )
    ]
    assert lots.attestationOf(AUDIT) == (auditor.address, False)


def test_a_laboratory_anchors_a_credential_about_a_lot(lots, laboratory, lot_id, emitted):
    receipt = lots.anchorAttestation(ASSAY, LOT, lot_id, sender=laboratory)

    assert emitted(receipt) == [
        (
            "AttestationAnchored",
            {
                "credentialHash": ASSAY,
                "attester": laboratory.address,
                "subjectKind": LOT,
                "subjectId": lot_id,
            },
        )
    ]
    assert lots.attestationOf(ASSAY) == (laboratory.address, False)


def test_a_consumed_lot_can_still_be_attested(lots, miner, laboratory, lot_id):
    lots.transform([lot_id], [(REFINED, 9_000, 9_000)], keccak(text="bar"), "", sender=miner)

    lots.anchorAttestation(ASSAY, LOT, lot_id, sender=laboratory)

    assert lots.attestationOf(ASSAY) == (laboratory.address, False)


def test_an_unknown_credential_has_no_attester(lots):
    assert lots.attestationOf(ASSAY) == (ZERO_ADDRESS, False)


@pytest.mark.anvil
@pytest.mark.parametrize("who", ["registrar", "miner", "plant", "outsider"])
def test_only_attesters_anchor(lots, lot_id, reverts, request, who):
    caller = request.getfixturevalue(who)

    with reverts(lots.NotAttester, account=caller.address):
        lots.anchorAttestation(ASSAY, LOT, lot_id, sender=caller)


def test_a_removed_attester_anchors_nothing(lots, registrar, auditor, lot_id, reverts):
    lots.removeParticipant(auditor, sender=registrar)

    with reverts(lots.NotAttester, account=auditor.address):
        lots.anchorAttestation(ASSAY, LOT, lot_id, sender=auditor)


def test_a_credential_hash_is_not_zero(lots, auditor, lot_id, reverts):
    with reverts(lots.EmptyHash):
        lots.anchorAttestation(bytes(32), LOT, lot_id, sender=auditor)


@pytest.mark.parametrize("kind", [0, 3, 255])
def test_the_subject_is_a_lot_or_a_mine(lots, auditor, lot_id, reverts, kind):
    with reverts(lots.InvalidSubjectKind, subjectKind=kind):
        lots.anchorAttestation(ASSAY, kind, lot_id, sender=auditor)


@pytest.mark.parametrize("unknown", [0, 2, 101])
def test_the_subject_lot_exists(lots, auditor, lot_id, reverts, unknown):
    with reverts(lots.UnknownLot, lotId=unknown):
        lots.anchorAttestation(ASSAY, LOT, unknown, sender=auditor)


@pytest.mark.parametrize("unknown", [0, 2])
def test_the_subject_mine_exists(lots, auditor, mine_id, reverts, unknown):
    with reverts(lots.UnknownMine, mineId=unknown):
        lots.anchorAttestation(AUDIT, MINE, unknown, sender=auditor)


@pytest.mark.anvil
def test_a_credential_is_anchored_once(lots, auditor, laboratory, lot_id, mine_id, reverts):
    lots.anchorAttestation(ASSAY, LOT, lot_id, sender=auditor)

    with reverts(lots.AttestationExists, credentialHash=ASSAY, attester=auditor.address):
        lots.anchorAttestation(ASSAY, LOT, lot_id, sender=auditor)
    with reverts(lots.AttestationExists, credentialHash=ASSAY, attester=auditor.address):
        lots.anchorAttestation(ASSAY, MINE, mine_id, sender=laboratory)


# ---------------------------------------------------------------- revoking


@pytest.mark.anvil
def test_the_attester_revokes_its_credential(lots, auditor, lot_id, emitted):
    lots.anchorAttestation(ASSAY, LOT, lot_id, sender=auditor)

    receipt = lots.revokeAttestation(ASSAY, sender=auditor)

    assert emitted(receipt) == [
        ("AttestationRevoked", {"credentialHash": ASSAY, "attester": auditor.address})
    ]
    assert lots.attestationOf(ASSAY) == (auditor.address, True)


@pytest.mark.anvil
@pytest.mark.parametrize("who", ["laboratory", "registrar", "miner"])
def test_only_its_attester_revokes_a_credential(lots, auditor, lot_id, reverts, request, who):
    lots.anchorAttestation(ASSAY, LOT, lot_id, sender=auditor)
    caller = request.getfixturevalue(who)

    with reverts(lots.NotTheAttester, credentialHash=ASSAY, account=caller.address, attester=auditor.address):
        lots.revokeAttestation(ASSAY, sender=caller)


def test_a_removed_attester_still_revokes_what_it_anchored(lots, registrar, auditor, lot_id):
    lots.anchorAttestation(ASSAY, LOT, lot_id, sender=auditor)
    lots.removeParticipant(auditor, sender=registrar)

    lots.revokeAttestation(ASSAY, sender=auditor)

    assert lots.attestationOf(ASSAY) == (auditor.address, True)


def test_an_unknown_credential_cannot_be_revoked(lots, auditor, reverts):
    with reverts(lots.UnknownAttestation, credentialHash=ASSAY):
        lots.revokeAttestation(ASSAY, sender=auditor)


def test_a_revocation_is_final(lots, auditor, lot_id, reverts):
    lots.anchorAttestation(ASSAY, LOT, lot_id, sender=auditor)
    lots.revokeAttestation(ASSAY, sender=auditor)

    with reverts(lots.AttestationAlreadyRevoked, credentialHash=ASSAY):
        lots.revokeAttestation(ASSAY, sender=auditor)
    with reverts(lots.AttestationExists, credentialHash=ASSAY, attester=auditor.address):
        lots.anchorAttestation(ASSAY, LOT, lot_id, sender=auditor)
