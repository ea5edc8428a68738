"""Attestations: the hashes of credentials (assays, audit reports) an auditor or a laboratory anchors about a
lot or a mine, and revokes."""

from __future__ import annotations

from eth_typing import HexStr
from web3 import Web3

from filon import _checks as check
from filon import _events
from filon._contract import Contract
from filon._types import Attestation, SubjectKind


class Attestations:
    """Anchoring, revoking and reading attestations, through `contract`."""

    def __init__(self, contract: Contract) -> None:
        self._contract = contract

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
        (anchored,) = _events.of_type(found, _events.AttestationAnchored)
        return Attestation(
            credential_hash=hashed,
            attester=Web3.to_checksum_address(attester),
            subject_kind=anchored.subject_kind,
            subject_id=anchored.subject_id,
            revoked=bool(revoked),
        )
