"""What participants share with readers and with each other, as verbs of `filon.Client` (a mixin that keeps
the façade small): attestations anchored by auditors and laboratories."""

from __future__ import annotations

from filon._attestations import Attestations
from filon._types import Attestation, SubjectKind


class SharingVerbs:
    """Attestations, through `_attestations` (set by `Client`)."""

    _attestations: Attestations

    # ------------------------------------------------------------------ attestations

    def anchor_attestation(
        self, credential_hash: bytes | str, subject_kind: SubjectKind, subject_id: int
    ) -> str:
        """Anchors the hash of a credential (an assay, an audit report) the client's account issued about a
        lot or a mine. The client's account must be admitted as `Role.AUDITOR` or `Role.LABORATORY`.

        Args:
            credential_hash: The credential's hash (32 bytes or 0x hex), not zero, never anchored before.
            subject_kind: `SubjectKind.LOT` or `SubjectKind.MINE`.
            subject_id: The lot id (any lot ever minted, consumed ones included) or the mine id.

        Returns:
            The transaction hash.

        Raises:
            InvalidInput: `subject_kind` is not a `SubjectKind`, or a value does not fit; nothing is sent.
            NotAttester: The client's account is not admitted as an attester.
            EmptyHash: `credential_hash` is zero.
            UnknownLot, UnknownMine: The subject does not exist.
            AttestationExists: The credential was anchored before (`attester` says by whom).
        """
        return self._attestations.anchor(credential_hash, subject_kind, subject_id)

    def revoke_attestation(self, credential_hash: bytes | str) -> str:
        """Revokes a credential the client's account anchored, for good (also after its admission was
        withdrawn).

        Returns:
            The transaction hash.

        Raises:
            UnknownAttestation: No credential with this hash was anchored.
            NotTheAttester: Another attester anchored it.
            AttestationAlreadyRevoked: It was revoked before.
        """
        return self._attestations.revoke(credential_hash)

    def attestation(self, credential_hash: bytes | str) -> Attestation | None:
        """The attestation anchored with this credential hash (attester, subject, whether revoked), or None.

        Whether the attester is still admitted is `role_of(attestation.attester)`: a removed attester's
        credentials stay anchored until it revokes them.
        """
        return self._attestations.attestation(credential_hash)
