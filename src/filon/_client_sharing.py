"""What participants share with readers and with each other, as verbs of `filon.Client` (a mixin that keeps
the façade small): encryption keys and access grants for confidential passports, and attestations anchored
by auditors and laboratories."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from filon._access import Access
from filon._attestations import AttestationRequest, Attestations, IssuedAttestation
from filon._confidential import Confidential
from filon._types import AccessGrant, Attestation, LotId, SubjectKind
from filon.passport._dcc import Assessment, Measure


class SharingVerbs:
    """Keys and grants through `_access` and `_confidential`, attestations through `_attestations` (all set by
    `Client`)."""

    _access: Access
    _confidential: Confidential
    _attestations: Attestations

    # ------------------------------------------------------------------ encryption keys and access grants

    def publish_encryption_key(self, public_key: bytes | None = None) -> str:
        """Publishes the client's account's public encryption key, to which others wrap the content keys of
        the confidential passport layers they share with it. The latest published key counts.

        Without an argument, the key is the one derived from the account's own key (HKDF-SHA256, see
        docs/passport.md): nothing to store or back up, the keystore regenerates it, and it is never shown.

        Args:
            public_key: Another key to publish instead (for an account that decrypts elsewhere): a secp256k1
                public key in SEC 1 form, 33 bytes compressed (0x02 or 0x03, then x) or 65 bytes
                uncompressed (0x04, then x and y), on the curve.

        Returns:
            The transaction hash.

        Raises:
            InvalidInput: `public_key` is not such a key; nothing is sent.
            AccountRequired: The client is read-only.
            NotParticipant: The client's account is not admitted.
        """
        if public_key is None:
            return self._confidential.publish_key()
        return self._access.publish_key(public_key)

    def encryption_key(self, address: str) -> bytes | None:
        """The latest public encryption key `address` published, or None (one `eth_getLogs`)."""
        return self._access.encryption_key(address)

    def grant_access(self, lot_id: LotId, reader: str, *, with_provenance: bool = False) -> str:
        """Lets `reader` open the confidential layers of a lot: every version whose content key the client's
        account can reach (as its holder, or granted) is wrapped to the reader's published key in a grant
        file kept in the document store, and the file's SHA-256 is anchored on chain (`grantAccess`).
        Versions published later by a holder are wrapped to the lot's standing readers in their own layer.

        The client's account need not hold the lot: a past holder grants access to a lot it can open.

        Args:
            lot_id: The lot (any lot ever minted, consumed ones included).
            reader: Who may open it; it must have published its encryption key.
            with_provenance: Also grant every ancestor of the lot with a version the account can open (one
                grant per lot, all in one transaction): a refiner reads the ore lots behind a doré.

        Returns:
            The transaction hash.

        Raises:
            NoEncryptionKey: `reader` published no encryption key (nothing is stored or sent).
            NotParticipant: The client's account is not admitted.
            UnknownLot: No lot has this id.
            InvalidAccount: `reader` is the zero address.
        """
        calls = self._confidential.grant_calls(lot_id, reader, with_provenance=with_provenance, required=True)
        return self._confidential.anchor(calls)

    def anchor_grant(self, lot_id: LotId, reader: str, grant_digest: bytes | str) -> str:
        """Anchors a grant file made elsewhere: records that the client's account lets `reader` open a lot's
        confidential layers with the grant file of this SHA-256 (`grant_access` makes and anchors one).

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
        """Withdraws the access the client's account granted `reader` to a lot, going forward: versions
        published later are not wrapped to it, and this library no longer uses the grant. What the reader
        already read, or kept (the grant file's keys), cannot be taken back.

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

    def issue_attestation(
        self,
        subject_kind: SubjectKind,
        subject_id: int,
        assessment: Assessment,
        *,
        conformance: bool,
        status_url: str,
        result: str = "",
        measures: Sequence[Measure] = (),
        evidence: Sequence[tuple[str, bytes]] = (),
        valid_until: datetime.datetime | None = None,
        issuer_name: str = "",
        party_name: str = "",
    ) -> IssuedAttestation:
        """Issues a conformity credential (UNTP DCC 0.6.1, signed VC-JWT ES256K by the client's account)
        about a lot or a mine, keeps it and its evidence in the document store, and anchors its hash on chain:
        SHA-256 of its compact JWT, so `store.get(cid_for_sha256(hash))` returns the JWT to anyone.

        The contract is asked first (a call, nothing sent) whether it would take the anchoring, so an account
        that is not an attester, or an unknown lot or mine, is refused before anything is stored. The
        credential's `credentialStatus` is its place in the attester's status list at `status_url`: the
        number of credentials the account anchored before. Issue from one client per attester account at a
        time, so that no two credentials are given the same place: after anchoring, the credential's place
        among the account's anchorings on chain is read back, and a credential whose place is not its index
        is revoked at once (`StatusIndexTaken`).

        Args:
            subject_kind: `SubjectKind.LOT` or `SubjectKind.MINE`.
            subject_id: The lot id (issued to its holder, or to the holder that consumed it) or the mine id
                (issued to its operator).
            assessment: The kind of assessment (`Assessment.ASSAY`, `CRAFT`, `OECD_ANNEX_II`, `FAIRMINED`).
            conformance: The verdict: whether the subject conforms.
            status_url: The explorer that serves the status lists (its base URL).
            result: The result in words.
            measures: Measured values (`filon.Measure`).
            evidence: The documents the assessment rests on, as (name, bytes); each is kept in the store
                and cited by SHA-256 and CID.
            valid_until: When the credential expires (timezone-aware), if it does.
            issuer_name: The attester's name in the credential; its address when empty.
            party_name: The name of the party the credential is issued to; its address when empty.

        Returns:
            The credential (JWT and JSON forms), its anchored hash, the transaction and its status index.

        Raises:
            InvalidInput: An argument is unusable; nothing is sent or stored.
            AccountRequired: The client is read-only.
            NotAttester: The client's account is not admitted as an auditor or a laboratory.
            UnknownLot, UnknownMine: The subject does not exist.
            StatusIndexTaken: Another credential of the account was anchored between this one's signing and
                its anchoring, so its status index is not its place on chain: it was revoked; issue again.
            AnchoringNotVisible: The node returns no anchoring event for the credential just anchored (it
                lags): its status index could not be checked.
        """
        request = AttestationRequest(
            subject_kind=subject_kind,
            subject_id=subject_id,
            assessment=assessment,
            conformance=conformance,
            status_url=status_url,
            result=result,
            measures=tuple(measures),
            evidence=tuple(evidence),
            valid_until=valid_until,
            issuer_name=issuer_name,
            party_name=party_name,
        )
        return self._attestations.issue(request)

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

    def status_list(self, attester: str, base_url: str) -> dict[str, Any]:
        """The attester's revocations as a W3C Bitstring Status List credential (unsigned), rebuilt from its
        events (one `eth_getLogs`): what an explorer at `base_url` serves at `/status/<attester>`.

        Bit `i` is set when the `i`-th credential the attester anchored (from 0, in chain order) is revoked.

        Raises:
            InvalidInput: `attester` is not an address.
        """
        return self._attestations.status_list(attester, base_url)

    def attestation(self, credential_hash: bytes | str) -> Attestation | None:
        """The attestation anchored with this credential hash (attester, subject, whether revoked), or None.

        Whether the attester is still admitted is `role_of(attestation.attester)`: a removed attester's
        credentials stay anchored until it revokes them.

        Raises:
            AnchoringNotVisible: The contract holds the attestation but the node returns no anchoring event
                for it (it lags behind).
        """
        return self._attestations.attestation(credential_hash)
