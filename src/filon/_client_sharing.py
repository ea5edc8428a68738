"""What participants share with readers and with each other, as verbs of `filon.Client` (a mixin that keeps
the façade small): encryption keys and access grants for confidential passports, and attestations anchored
by auditors and laboratories."""

from __future__ import annotations

from filon._access import Access
from filon._attestations import Attestations
from filon._types import AccessGrant, Attestation, LotId, SubjectKind


class SharingVerbs:
    """Keys and grants through `_access`, attestations through `_attestations` (both set by `Client`)."""

    _access: Access
    _attestations: Attestations

    # ------------------------------------------------------------------ encryption keys and access grants

    def publish_encryption_key(self, public_key: bytes) -> str:
        """Publishes the client's account's public encryption key, to which others wrap the content keys of
        the confidential passport layers they share with it. The latest published key counts.

        Args:
            public_key: A secp256k1 public key in SEC 1 form: 33 bytes compressed (0x02 or 0x03, then x) or
                65 bytes uncompressed (0x04, then x and y), on the curve.

        Returns:
            The transaction hash.

        Raises:
            InvalidInput: `public_key` is not such a key; nothing is sent.
            NotParticipant: The client's account is not admitted.
        """
        return self._access.publish_key(public_key)

    def encryption_key(self, address: str) -> bytes | None:
        """The latest public encryption key `address` published, or None (one `eth_getLogs`)."""
        return self._access.encryption_key(address)

    def grant_access(self, lot_id: LotId, reader: str, grant_digest: bytes | str) -> str:
        """Records that the client's account lets `reader` open a lot's confidential layers.

        The client's account need not hold the lot: a past holder grants access to an ancestor it can open.
        To hand a lot over with its grant, send both at once: `multicall([("transferFrom", (holder, reader,
        lot_id)), ("grantAccess", (lot_id, reader, digest))])`.

        Args:
            lot_id: The lot (any lot ever minted, consumed ones included).
            reader: Who may open it.
            grant_digest: SHA-256 of the grant file in the document store (32 bytes or 0x hex), not zero.

        Returns:
            The transaction hash.

        Raises:
            NotParticipant: The client's account is not admitted.
            UnknownLot: No lot has this id.
            InvalidAccount: `reader` is the zero address.
            EmptyHash: `grant_digest` is zero.
        """
        return self._access.grant(lot_id, reader, grant_digest)

    def revoke_access(self, lot_id: LotId, reader: str) -> str:
        """Withdraws the access the client's account granted `reader` to a lot (what it already opened stays
        opened: rotate the content keys of later versions).

        Returns:
            The transaction hash.

        Raises:
            NotParticipant: The client's account is not admitted.
            UnknownLot: No lot has this id.
            InvalidAccount: `reader` is the zero address.
        """
        return self._access.revoke(lot_id, reader)

    def access_grants(self, lot_id: LotId) -> list[AccessGrant]:
        """The grants standing on a lot, in the order they were made: per reader and granter, the latest
        grant, unless that granter revoked it since (from the logs: one `eth_getLogs`)."""
        return self._access.grants(lot_id)

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
