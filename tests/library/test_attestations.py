"""Attesters through the client: auditors and laboratories anchor, read and revoke credentials and never hold
lots."""

from __future__ import annotations

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

import filon
from filon.devchain import dev_accounts

from .helpers import Roles, World, nonce, root

ASSAY = Web3.keccak(text="credential: assay")
AUDIT = Web3.keccak(text="credential: audit")


@pytest.fixture
def auditor(world: World, registrar: filon.Client, roles: Roles) -> filon.Client:
    """The outsider, admitted as an auditor."""
    registrar.register_participant(roles.outsider.address, filon.Role.AUDITOR)
    return filon.connect(world.url, deployment=world.deployment, account=roles.outsider)


@pytest.fixture
def lab_account() -> LocalAccount:
    return dev_accounts(7)[6]


@pytest.fixture
def laboratory(world: World, registrar: filon.Client, lab_account: LocalAccount) -> filon.Client:
    registrar.register_participant(lab_account.address, filon.Role.LABORATORY)
    return filon.connect(world.url, deployment=world.deployment, account=lab_account)


def test_attester_roles(registrar: filon.Client, auditor: filon.Client, roles: Roles) -> None:
    assert registrar.role_of(roles.outsider.address) is filon.Role.AUDITOR
    assert filon.Role.AUDITOR.is_attester and filon.Role.LABORATORY.is_attester
    assert not any(role.is_attester for role in filon.Role if role < filon.Role.AUDITOR)


def test_anchor_read_and_revoke_an_attestation(
    world: World,
    miner: filon.Client,
    laboratory: filon.Client,
    reader: filon.Client,
    lab_account: LocalAccount,
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("assayed"))

    laboratory.anchor_attestation(ASSAY, filon.SubjectKind.LOT, lot_id)
    anchored = reader.attestation(ASSAY)
    laboratory.revoke_attestation("0x" + ASSAY.hex())

    assert anchored == filon.Attestation(
        credential_hash=bytes(ASSAY),
        attester=lab_account.address,
        subject_kind=filon.SubjectKind.LOT,
        subject_id=lot_id,
        revoked=False,
    )
    assert reader.attestation(ASSAY) == filon.Attestation(
        bytes(ASSAY), lab_account.address, filon.SubjectKind.LOT, lot_id, revoked=True
    )


def test_an_attestation_about_a_mine(world: World, auditor: filon.Client, roles: Roles) -> None:
    auditor.anchor_attestation(AUDIT, filon.SubjectKind.MINE, world.mine2)

    assert auditor.attestation(AUDIT) == filon.Attestation(
        bytes(AUDIT), roles.outsider.address, filon.SubjectKind.MINE, world.mine2, revoked=False
    )


def test_an_unknown_credential_is_none(reader: filon.Client) -> None:
    assert reader.attestation(ASSAY) is None


def test_only_attesters_anchor(world: World, plant: filon.Client, roles: Roles) -> None:
    before = nonce(world.url, roles.plant)

    with pytest.raises(filon.NotAttester) as info:
        plant.anchor_attestation(AUDIT, filon.SubjectKind.MINE, world.mine)

    assert str(info.value) == f"{roles.plant.address} is not admitted as an attester (auditor or laboratory)."
    assert isinstance(info.value, PermissionError)
    assert nonce(world.url, roles.plant) == before


def test_anchoring_rules(world: World, auditor: filon.Client, laboratory: filon.Client, roles: Roles) -> None:
    auditor.anchor_attestation(AUDIT, filon.SubjectKind.MINE, world.mine)

    with pytest.raises(filon.AttestationExists) as exists:
        laboratory.anchor_attestation(AUDIT, filon.SubjectKind.MINE, world.mine)
    with pytest.raises(filon.EmptyHash, match=r"^The hash of a record cannot be zero\.$"):
        auditor.anchor_attestation(bytes(32), filon.SubjectKind.MINE, world.mine)
    with pytest.raises(filon.UnknownMine):
        auditor.anchor_attestation(ASSAY, filon.SubjectKind.MINE, 99)
    with pytest.raises(filon.UnknownLot):
        auditor.anchor_attestation(ASSAY, filon.SubjectKind.LOT, 99)
    with pytest.raises(
        filon.InvalidInput, match=r"subject_kind must be SubjectKind.LOT \(1\) or SubjectKind.MINE"
    ):
        auditor.anchor_attestation(ASSAY, 3, world.mine)  # type: ignore[arg-type]

    assert exists.value.arguments == {"credential_hash": bytes(AUDIT), "attester": roles.outsider.address}
    assert (
        str(exists.value) == f"Credential 0x{AUDIT.hex()} was already anchored by {roles.outsider.address}."
    )


def test_revocation_rules(
    world: World, auditor: filon.Client, laboratory: filon.Client, roles: Roles, lab_account: LocalAccount
) -> None:
    with pytest.raises(filon.UnknownAttestation) as unknown:
        auditor.revoke_attestation(AUDIT)
    auditor.anchor_attestation(AUDIT, filon.SubjectKind.MINE, world.mine)
    with pytest.raises(filon.NotTheAttester) as other:
        laboratory.revoke_attestation(AUDIT)
    auditor.revoke_attestation(AUDIT)
    with pytest.raises(filon.AttestationAlreadyRevoked) as again:
        auditor.revoke_attestation(AUDIT)

    assert str(unknown.value) == f"No credential 0x{AUDIT.hex()} was anchored."
    assert str(other.value) == (
        f"{lab_account.address} cannot revoke credential 0x{AUDIT.hex()}: "
        f"{roles.outsider.address} anchored it."
    )
    assert str(again.value) == f"Credential 0x{AUDIT.hex()} was already revoked."


def test_no_lot_reaches_an_attester(
    world: World, miner: filon.Client, auditor: filon.Client, roles: Roles
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("kept"))

    with pytest.raises(filon.AttesterCannotHold) as info:
        miner.transfer(lot_id, roles.outsider.address)

    assert info.value.arguments == {"account": roles.outsider.address, "role": filon.Role.AUDITOR}
    assert str(info.value) == (
        f"{roles.outsider.address} is admitted as an attester (auditor), which never holds lots."
    )
    assert miner.lot(lot_id).holder == roles.miner.address


def test_a_holder_cannot_become_an_attester(
    world: World, registrar: filon.Client, miner: filon.Client, roles: Roles
) -> None:
    miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("held"))

    with pytest.raises(filon.AttesterCannotHold) as info:
        registrar.register_participant(roles.miner.address, filon.Role.LABORATORY)

    assert info.value.role is filon.Role.LABORATORY
    assert registrar.role_of(roles.miner.address) is filon.Role.MINE_OPERATOR
