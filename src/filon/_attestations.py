"""Attestations: the credentials (assays, audit reports) an auditor or a laboratory issues about a lot or a
mine, anchors by hash, and revokes."""

from __future__ import annotations

import datetime
import hashlib
import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_typing import HexStr
from web3 import Web3

from filon import _checks as check
from filon import _events
from filon._chain import address_topic
from filon._contract import Contract
from filon._errors import AccountRequired, AnchoringNotVisible, InvalidInput, StatusIndexTaken
from filon._reads import LogReads
from filon._registry import Registry
from filon._types import Attestation, Consumed, LotId, MineId, SubjectKind
from filon.passport._dcc import (
    Assessment,
    AttestationSubject,
    Evidence,
    Measure,
    conformity_credential,
    credential_hash,
)
from filon.passport._dpp import _PRODUCT_NAMES
from filon.passport._status import status_list_credential, status_list_url
from filon.passport._store import DocumentStore
from filon.passport._vcjwt import credential_jwt


@dataclass(frozen=True)
class IssuedAttestation:
    """A conformity credential an attester issued and anchored.

    Attributes:
        jwt: The credential as a compact VC-JWT (ES256K, the attester's did:pkh).
        credential: The same credential in JSON form, its JWT as `JwtProof2020` proof.
        credential_hash: What was anchored on chain: SHA-256 of `jwt` (its CID's digest in the store).
        transaction_hash: The anchoring transaction.
        status_index: The credential's index in its attester's status list.
    """

    jwt: str
    credential: dict[str, Any] = field(repr=False)
    credential_hash: bytes
    transaction_hash: str
    status_index: int


@dataclass(frozen=True)
class SignedAttestation:
    """A conformity credential signed and kept in the store, not yet anchored (see `Attestations.sign`)."""

    jwt: str
    credential: dict[str, Any] = field(repr=False)
    credential_hash: bytes
    attester: str
    subject_kind: SubjectKind
    subject_id: int
    status_index: int


@dataclass(frozen=True)
class AttestationRequest:
    """What an attester states in a conformity credential (see `Client.issue_attestation`)."""

    subject_kind: SubjectKind
    subject_id: int
    assessment: Assessment
    conformance: bool
    status_url: str
    result: str = ""
    measures: Sequence[Measure] = ()
    evidence: Sequence[tuple[str, bytes]] = ()
    valid_until: datetime.datetime | None = None
    issuer_name: str = ""
    party_name: str = ""


class Attestations:
    """Issuing, anchoring, revoking and reading attestations, through `contract`."""

    def __init__(self, contract: Contract, reads: LogReads, registry: Registry, store: DocumentStore) -> None:
        self._contract = contract
        self._reads = reads
        self._registry = registry
        self._store = store
        # one issue at a time per client: a credential's status index is its attester's next anchoring
        self._issuing = threading.Lock()

    def anchor(self, credential_hash: bytes | str, subject_kind: SubjectKind, subject_id: int) -> str:
        return self._contract.send_for_hash(
            "anchor an attestation",
            "anchorAttestation",
            check.bytes32(credential_hash, "credential_hash"),
            int(check.subject_kind(subject_kind)),
            check.uint(subject_id, "subject_id"),
        )

    def revoke(self, credential_hash: bytes | str) -> str:
        return self._contract.send_for_hash(
            "revoke an attestation", "revokeAttestation", check.bytes32(credential_hash, "credential_hash")
        )

    def attestation(self, credential_hash: bytes | str) -> Attestation | None:
        """The attestation: attester and revocation from the contract, subject from its anchoring event."""
        hashed = check.bytes32(credential_hash, "credential_hash")
        attester, revoked = self._contract.read("attestationOf", hashed)
        if attester == check.ZERO_ADDRESS:
            return None
        found = self._contract.logs([_events.topic("AttestationAnchored"), HexStr(check.hex0x(hashed))])
        events = _events.of_type(found, _events.AttestationAnchored)
        if not events:
            raise AnchoringNotVisible(
                f"The contract holds the attestation {check.hex0x(hashed)} but the node returns no anchoring "
                "event for it (is it lagging behind?): its subject cannot be read. Try again later."
            )
        anchored = events[0]
        return Attestation(
            credential_hash=hashed,
            attester=Web3.to_checksum_address(attester),
            subject_kind=anchored.subject_kind,
            subject_id=anchored.subject_id,
            revoked=bool(revoked),
        )

    def anchored_by(self, attester: str) -> list[_events.AttestationAnchored]:
        """The attester's anchorings in chain order: a credential's status index is its position here."""
        address = check.address(attester, "attester")
        found = self._contract.logs([_events.topic("AttestationAnchored"), None, address_topic(address)])
        return _events.of_type(found, _events.AttestationAnchored)

    def status_list(self, attester: str, base_url: str) -> dict[str, Any]:
        """The attester's status list credential rebuilt from its events (one `eth_getLogs`)."""
        address = check.address(attester, "attester")
        found = self._contract.logs(
            [
                [_events.topic("AttestationAnchored"), _events.topic("AttestationRevoked")],
                None,
                address_topic(address),
            ]
        )
        revoked = {event.credential_hash for event in _events.of_type(found, _events.AttestationRevoked)}
        anchored = _events.of_type(found, _events.AttestationAnchored)
        return status_list_credential(
            address,
            chain_id=self._contract.deployment.chain_id,
            list_url=status_list_url(base_url, address),
            revoked=[index for index, event in enumerate(anchored) if event.credential_hash in revoked],
            valid_from=datetime.datetime.now(datetime.UTC).replace(microsecond=0),
        )

    def issue(self, request: AttestationRequest) -> IssuedAttestation:
        """Signs a conformity credential, keeps it and its evidence in the store and anchors its hash."""
        with self._issuing:
            return self.anchor_signed(self.sign(request))

    def sign(self, request: AttestationRequest) -> SignedAttestation:
        """The conformity credential `request` asks for, signed and kept (with its evidence) in the store,
        its status index the number of its attester's anchorings now: not yet anchored."""
        kind = check.subject_kind(request.subject_kind)
        subject_id = check.uint(request.subject_id, "subject_id")
        if not isinstance(request.conformance, bool):
            raise InvalidInput(f"conformance must be True or False, got {request.conformance!r}")
        evidence = [_evidence(name, data) for name, data in request.evidence]
        account = self._contract.account
        if account is None:
            raise AccountRequired("Cannot issue an attestation: this client is read-only.")
        # the contract's own refusal (not an attester, no such lot or mine) before anything is kept
        trial = self._contract.call_data("anchorAttestation", os.urandom(32), int(kind), subject_id)
        (refusal,) = self._contract.preflight("issue an attestation", [trial])
        if refusal is not None:
            raise refusal
        subject = self._subject(kind, subject_id, request.party_name)
        index = len(self.anchored_by(account.address))
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        deployment = self._contract.deployment
        credential = conformity_credential(
            credential_id=f"urn:uuid:{uuid.uuid4()}",
            issuer_address=account.address,
            issuer_name=request.issuer_name,
            chain_id=deployment.chain_id,
            contract=deployment.address,
            subject=subject,
            assessment=request.assessment,
            conformance=request.conformance,
            assessment_date=now,
            valid_from=now,
            status_list=status_list_url(request.status_url, account.address),
            status_index=index,
            result=request.result,
            measures=request.measures,
            evidence=[document for document, _ in evidence],
            valid_until=request.valid_until,
        )
        token = credential_jwt(credential, account)
        for _, data in evidence:
            self._store.put(data)
        # the credential itself, under the CID of the hash the chain will hold
        self._store.put(token.encode("ascii"))
        signed = {**credential, "proof": {"type": "JwtProof2020", "jwt": token}}
        return SignedAttestation(
            token, signed, credential_hash(token), account.address, kind, subject_id, index
        )

    def anchor_signed(self, signed: SignedAttestation) -> IssuedAttestation:
        """Anchors a signed credential's hash, then checks its status index against its place among its
        attester's anchorings on chain, the order the status list is rebuilt in.

        Raises:
            StatusIndexTaken: The places differ (another credential of the attester was anchored since it
                was signed): the credential is revoked on chain at once, since its status bit is another's.
            AnchoringNotVisible: The node does not yet return the anchoring event.
        """
        transaction = self.anchor(signed.credential_hash, signed.subject_kind, signed.subject_id)
        anchored = [event.credential_hash for event in self.anchored_by(signed.attester)]
        hashed = "0x" + signed.credential_hash.hex()
        if signed.credential_hash not in anchored:
            raise AnchoringNotVisible(
                f"The credential {hashed} was anchored (transaction {transaction}) but the node returns no "
                f"anchoring event for it, so its status index {signed.status_index} cannot be checked; "
                "check it against the status list once the node has caught up."
            )
        ordinal = anchored.index(signed.credential_hash)
        if ordinal != signed.status_index:
            self.revoke(signed.credential_hash)
            raise StatusIndexTaken(
                f"The credential {hashed} carries status index {signed.status_index} but is anchoring "
                f"{ordinal} of its attester (another credential was anchored meanwhile): its status bit "
                "would be another credential's, so it was revoked on chain. Issue it again.",
                credential_hash=signed.credential_hash,
                status_index=signed.status_index,
                ordinal=ordinal,
            )
        return IssuedAttestation(
            signed.jwt, signed.credential, signed.credential_hash, transaction, signed.status_index
        )

    def _subject(self, kind: SubjectKind, subject_id: int, party_name: str) -> AttestationSubject:
        """The lot (issued to its holder, or its last holder once consumed) or the mine (to its operator)."""
        if kind is SubjectKind.MINE:
            mine = self._registry.mine(MineId(subject_id))
            return AttestationSubject(kind, subject_id, f"Mine {subject_id}", mine.operator, party_name)
        lot = self._reads.lot(LotId(subject_id))
        holder = lot.holder
        if holder is None:
            history = self._reads.history(LotId(subject_id))
            holder = next(event.holder for event in reversed(history) if isinstance(event, Consumed))
        name = f"{_PRODUCT_NAMES[lot.form]} lot {subject_id}"
        return AttestationSubject(kind, subject_id, name, holder, party_name)


def _evidence(name: object, data: object) -> tuple[Evidence, bytes]:
    if not isinstance(name, str) or not name or not isinstance(data, bytes):
        raise InvalidInput(
            f"each evidence document is a (name, bytes) pair, got ({name!r}, {type(data).__name__})"
        )
    return Evidence(name, hashlib.sha256(data).hexdigest()), data
