"""Attesters through the client: auditors and laboratories issue, anchor, read and revoke credentials and
never hold lots; a credential verifies as valid, revoked or expired against the chain and its status list."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import time
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

import filon
from filon._attestations import AttestationRequest
from filon.devchain import dev_accounts
from standards import untp_dcc_errors, verify_vc_jwt_independently

from .helpers import Roles, World, nonce, root

ASSAY = Web3.keccak(text="credential: assay")
AUDIT = Web3.keccak(text="credential: audit")
REPORT = b"%PDF-1.7 fire assay report 2026-0142: 999.9 fine"
EXPLORER = "https://trace.example.org"


@pytest.fixture
def auditor(world: World, registrar: filon.Client, roles: Roles) -> filon.Client:
    """The outsider, admitted as an auditor."""
    registrar.register_participant(roles.outsider.address, filon.Role.AUDITOR)
    return filon.connect(world.url, deployment=world.deployment, account=roles.outsider)


@pytest.fixture
def lab_account() -> LocalAccount:
    return dev_accounts(7)[6]


@pytest.fixture
def laboratory(
    world: World, registrar: filon.Client, lab_account: LocalAccount, tmp_path: Path
) -> filon.Client:
    registrar.register_participant(lab_account.address, filon.Role.LABORATORY)
    return filon.connect(
        world.url, deployment=world.deployment, account=lab_account, store=tmp_path / "store"
    )


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


def issue_assay(laboratory: filon.Client, lot_id: int, **changes: object) -> filon.IssuedAttestation:
    arguments: dict[str, object] = {
        "conformance": True,
        "status_url": EXPLORER,
        "result": "Fire assay: 999.9 fine",
        "measures": [filon.Measure("fineness", 999.9, "NX")],
        "evidence": [("Fire assay report 2026-0142", REPORT)],
        "issuer_name": "Laboratorio Andino",
    }
    return laboratory.issue_attestation(
        filon.SubjectKind.LOT,
        lot_id,
        filon.Assessment.ASSAY,
        **(arguments | changes),  # type: ignore[arg-type]
    )


def test_a_laboratory_issues_an_assay_credential_and_anchors_its_hash(
    world: World, miner: filon.Client, laboratory: filon.Client, reader: filon.Client, roles: Roles
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("assayed"))

    issued = issue_assay(laboratory, lot_id)
    attested = issued.credential["credentialSubject"]

    assert issued.credential_hash == hashlib.sha256(issued.jwt.encode()).digest()
    assert issued.credential["proof"] == {"type": "JwtProof2020", "jwt": issued.jwt}
    assert issued.status_index == 0
    assert reader.attestation(issued.credential_hash) == filon.Attestation(
        issued.credential_hash, laboratory.address or "", filon.SubjectKind.LOT, lot_id, revoked=False
    )
    assert untp_dcc_errors({k: v for k, v in issued.credential.items() if k != "proof"}) == []
    assert attested["name"] == f"Assay of Gold ore lot {lot_id}"
    assert (
        attested["issuedToParty"]["id"] == f"did:pkh:eip155:{world.deployment.chain_id}:{roles.miner.address}"
    )
    assert attested["auditableEvidence"]["hashDigest"] == hashlib.sha256(REPORT).hexdigest()
    assert laboratory.store.get(filon.cid_for_sha256(hashlib.sha256(REPORT).hexdigest())) == REPORT
    assert laboratory.store.get(filon.cid_for_sha256(issued.credential_hash.hex())) == issued.jwt.encode()
    assert issued.credential["credentialStatus"]["statusListCredential"] == (
        f"{EXPLORER}/status/{laboratory.address}"
    )
    assert filon.verify_credential(issued.jwt, revocation=reader) == laboratory.address
    assert verify_vc_jwt_independently(issued.jwt)[0] == laboratory.address


def test_a_revoked_credential_verifies_as_revoked(
    world: World, miner: filon.Client, laboratory: filon.Client, reader: filon.Client
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("assayed"))
    first = issue_assay(laboratory, lot_id)
    second = issue_assay(laboratory, lot_id, conformance=False)

    laboratory.revoke_attestation(second.credential_hash)
    listed = reader.status_list(laboratory.address or "", EXPLORER)

    assert second.status_index == 1
    with pytest.raises(filon.CredentialRevoked) as revoked:
        filon.verify_credential(second.credential, revocation=reader)
    assert str(revoked.value) == (
        f"the credential is revoked: its attester {laboratory.address} revoked the credential "
        f"0x{second.credential_hash.hex()} on chain"
    )
    assert filon.credential_status(second.jwt, revocation=listed) is filon.CredentialStatus.REVOKED
    assert filon.credential_status(first.jwt, revocation=listed) is filon.CredentialStatus.VALID
    assert filon.credential_status(first.credential, revocation=reader) is filon.CredentialStatus.VALID


def test_an_expired_credential_verifies_as_expired(
    world: World, miner: filon.Client, laboratory: filon.Client, reader: filon.Client
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("assayed"))
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=2)
    issued = issue_assay(laboratory, lot_id, valid_until=soon)

    assert filon.credential_status(issued.jwt, revocation=reader) is filon.CredentialStatus.VALID
    # the JWT's exp is whole seconds: wait until that second has passed
    time.sleep((soon.replace(microsecond=0) - datetime.datetime.now(datetime.UTC)).total_seconds() + 1)
    assert filon.credential_status(issued.jwt, revocation=reader) is filon.CredentialStatus.EXPIRED


def test_an_attestation_by_a_non_attester_is_refused(
    world: World, miner: filon.Client, roles: Roles, tmp_path: Path
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("kept"))
    plant = filon.connect(
        world.url, deployment=world.deployment, account=roles.plant, store=tmp_path / "plant"
    )
    before = nonce(world.url, roles.plant)

    with pytest.raises(filon.NotAttester) as info:
        issue_assay(plant, lot_id)

    assert str(info.value) == f"{roles.plant.address} is not admitted as an attester (auditor or laboratory)."
    assert nonce(world.url, roles.plant) == before
    assert list(plant.store.cids()) == []


def test_a_credential_the_chain_does_not_back_is_refused(
    world: World, miner: filon.Client, laboratory: filon.Client, auditor: filon.Client, reader: filon.Client
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("assayed"))
    issued = issue_assay(laboratory, lot_id)
    assert laboratory.account is not None
    unsigned = {key: value for key, value in issued.credential.items() if key != "proof"}
    never, taken, elsewhere = (
        filon.credential_jwt(
            {**unsigned, "id": f"urn:uuid:00000000-0000-4000-8000-00000000000{n}"}, laboratory.account
        )
        for n in range(3)
    )
    auditor.anchor_attestation(filon.credential_hash(taken), filon.SubjectKind.LOT, lot_id)
    laboratory.anchor_attestation(filon.credential_hash(elsewhere), filon.SubjectKind.MINE, world.mine)

    with pytest.raises(
        filon.UnanchoredCredential, match=r"^the credential 0x[0-9a-f]{64} was never anchored on chain$"
    ):
        filon.verify_credential(never, revocation=reader)
    with pytest.raises(
        filon.UnanchoredCredential, match=f"was anchored by {auditor.address}, not by its issuer$"
    ):
        filon.verify_credential(taken, revocation=reader)
    with pytest.raises(filon.UnanchoredCredential, match=f":mine:{world.mine}, not .*:lot:{lot_id}$"):
        filon.verify_credential(elsewhere, revocation=reader)


def test_an_unknown_subject_is_refused_before_anything_is_kept(laboratory: filon.Client) -> None:
    with pytest.raises(filon.UnknownLot):
        issue_assay(laboratory, 99)

    assert list(laboratory.store.cids()) == []


def test_a_credential_whose_status_index_was_taken_is_revoked(
    world: World,
    miner: filon.Client,
    laboratory: filon.Client,
    lab_account: LocalAccount,
    reader: filon.Client,
    tmp_path: Path,
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("assayed"))
    request = AttestationRequest(
        filon.SubjectKind.LOT, lot_id, filon.Assessment.ASSAY, conformance=True, status_url=EXPLORER
    )
    # the laboratory's second client signs at index 0, then the first client anchors its own credential
    # (index 0 too) before the second anchors: the same account issuing from two places at once
    elsewhere = filon.connect(
        world.url, deployment=world.deployment, account=lab_account, store=tmp_path / "elsewhere"
    )
    signed = elsewhere._attestations.sign(request)
    first = issue_assay(laboratory, lot_id)

    with pytest.raises(filon.StatusIndexTaken) as info:
        elsewhere._attestations.anchor_signed(signed)

    hashed = "0x" + signed.credential_hash.hex()
    assert (first.status_index, signed.status_index) == (0, 0)
    assert (info.value.credential_hash, info.value.status_index, info.value.ordinal) == (
        signed.credential_hash,
        0,
        1,
    )
    assert str(info.value) == (
        f"The credential {hashed} carries status index 0 but is anchoring 1 of its attester (another "
        "credential was anchored meanwhile): its status bit would be another credential's, so it was "
        "revoked on chain. Issue it again."
    )
    assert reader.attestation(signed.credential_hash) == filon.Attestation(
        signed.credential_hash, lab_account.address, filon.SubjectKind.LOT, lot_id, revoked=True
    )
    assert reader.attestation(first.credential_hash) == filon.Attestation(
        first.credential_hash, lab_account.address, filon.SubjectKind.LOT, lot_id, revoked=False
    )
    assert issue_assay(laboratory, lot_id).status_index == 2


def test_an_attestation_without_its_anchoring_event_is_a_clear_error(
    world: World, miner: filon.Client, laboratory: filon.Client
) -> None:
    lot_id = miner.declare_lot(world.mine, fine_gold_mg=10, gross_mass_mg=20, passport_root=root("assayed"))
    issued = issue_assay(laboratory, lot_id)
    issue_assay(laboratory, lot_id)
    # a node whose logs stop short of the anchoring: scans that start after its block see none of it
    later = dataclasses.replace(
        world.deployment, deployment_block=Web3(HTTPProvider(world.url)).eth.block_number
    )
    lagging = filon.connect(world.url, deployment=later)

    with pytest.raises(filon.AnchoringNotVisible) as info:
        lagging.attestation(issued.credential_hash)

    assert str(info.value) == (
        f"The contract holds the attestation 0x{issued.credential_hash.hex()} but the node returns no "
        "anchoring event for it (is it lagging behind?): its subject cannot be read. Try again later."
    )
