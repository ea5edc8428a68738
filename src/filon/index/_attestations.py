"""Reads about attestations: the credentials anchored about lots and mines, their place in their attester's
status list and whether they were revoked, and what the credentials themselves (from the document store) say.

A credential's status index is the ordinal of its anchoring among its attester's (0 for the first, in chain
order), as `filon.Client.issue_attestation` assigns it: the index counts it with a window function.
"""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from filon._deployment import Deployment
from filon._errors import FilonError
from filon._types import SubjectKind
from filon.index._database import rows_in
from filon.index._models import AttestationRow
from filon.passport._dcc import attested_subject, subject_urn
from filon.passport._revocation import CredentialStatus
from filon.passport._store import DocumentStore, cid_for_sha256
from filon.passport._vcjwt import credential_status


@dataclass(frozen=True)
class AnchoredCredential:
    """A credential an attester anchored, as the index has it.

    Attributes:
        credential_hash: SHA-256 of the credential's compact JWT (its CID's digest in the store).
        attester: The auditor or laboratory that anchored it.
        subject_kind: A lot or a mine.
        subject_id: Which.
        status_index: Its place in its attester's status list.
        block_number: The block it was anchored in.
        transaction_hash: The anchoring transaction.
        revoked_block: The block its attester revoked it in, or None.
    """

    credential_hash: bytes
    attester: str
    subject_kind: SubjectKind
    subject_id: int
    status_index: int
    block_number: int
    transaction_hash: bytes
    revoked_block: int | None

    @property
    def cid(self) -> str:
        """Where the credential is in the document store."""
        return cid_for_sha256(self.credential_hash.hex())


@dataclass(frozen=True)
class CredentialOnRecord:
    """An anchored credential with what the credential itself says, if the document store holds it.

    Attributes:
        anchored: What the chain says.
        status: Revoked (on chain) whatever the credential says; else valid or expired (at the index's
            time) when the store holds a credential that verifies; else None (unread).
        assessment: The assessment's name ("Assay", ...), from the credential.
        conformance: Its verdict, from the credential.
        valid_until: When it expires (Unix seconds), from the credential; None if it does not.
        issuer_name: The attester's name in the credential.
        note: Why the credential could not be read, if so.
    """

    anchored: AnchoredCredential
    status: CredentialStatus | None
    assessment: str | None = None
    conformance: bool | None = None
    valid_until: int | None = None
    issuer_name: str | None = None
    note: str | None = None


CHUNK = 500
"""Credential hashes per query."""


def _ranked() -> Any:
    """Every anchoring with its ordinal among its attester's: the status index."""
    ordinal = func.row_number().over(
        partition_by=AttestationRow.attester, order_by=(AttestationRow.block_number, AttestationRow.log_index)
    )
    return (
        select(
            AttestationRow.credential_hash,
            AttestationRow.attester,
            AttestationRow.subject_kind,
            AttestationRow.subject_id,
            AttestationRow.block_number,
            AttestationRow.log_index,
            AttestationRow.transaction_hash,
            (ordinal - 1).label("status_index"),
        )
        .where(AttestationRow.kind == "anchored")
        .subquery()
    )


def about(session: Session, lot_ids: Collection[int], mine_ids: Collection[int]) -> list[AnchoredCredential]:
    """The credentials anchored about any of these lots or mines, in chain order (two queries, or more for
    thousands of lots: ids go in chunks that every database accepts)."""
    ranked = _ranked()
    found: list[Row[Any]] = []
    for kind, ids in ((SubjectKind.LOT, lot_ids), (SubjectKind.MINE, mine_ids)):
        query = select(ranked).where(ranked.c.subject_kind == int(kind))
        found.extend(rows_in(session, query, ranked.c.subject_id, sorted(ids)))
    found.sort(key=lambda row: (row.block_number, row.log_index))
    hashes = [row.credential_hash for row in found]
    revoked: dict[bytes, int] = {}
    for start in range(0, len(hashes), CHUNK):
        found_revoked = session.execute(
            select(AttestationRow.credential_hash, AttestationRow.block_number).where(
                AttestationRow.kind == "revoked",
                AttestationRow.credential_hash.in_(hashes[start : start + CHUNK]),
            )
        )
        revoked |= {row.credential_hash: row.block_number for row in found_revoked}
    return [
        AnchoredCredential(
            credential_hash=row.credential_hash,
            attester=row.attester,
            subject_kind=SubjectKind(row.subject_kind),
            subject_id=row.subject_id,
            status_index=row.status_index,
            block_number=row.block_number,
            transaction_hash=row.transaction_hash,
            revoked_block=revoked.get(row.credential_hash),
        )
        for row in found
    ]


def revoked_indices(session: Session, attester: str) -> list[int]:
    """The status indices of the attester's revoked credentials (one query)."""
    ranked = _ranked()
    revoked = select(AttestationRow.credential_hash).where(
        AttestationRow.kind == "revoked", AttestationRow.attester == attester
    )
    found = session.execute(
        select(ranked.c.status_index)
        .where(ranked.c.attester == attester, ranked.c.credential_hash.in_(revoked))
        .order_by(ranked.c.status_index)
    ).scalars()
    return list(found)


def has_anchored(session: Session, attester: str) -> bool:
    """Whether the attester ever anchored a credential."""
    found = session.execute(
        select(AttestationRow.block_number).where(AttestationRow.attester == attester).limit(1)
    )
    return found.first() is not None


def on_record(
    anchored: AnchoredCredential, store: DocumentStore | None, now: int, deployment: Deployment
) -> CredentialOnRecord:
    """What the chain and, if the store holds it, the credential say about an anchored credential.

    The credential must verify (its signature by its issuer, who must be the attester), be about the lot
    or mine of `deployment` it was anchored about, and carry its place among its attester's anchorings as
    its status index (else its status list bit is another credential's); otherwise it is not verified
    (status None, with a note). Its expiry is judged at `now` (the index's time), so a page says the same
    at the same block. Without a store only a revocation is known.
    """
    revoked = anchored.revoked_block is not None
    try:
        if store is None or not store.has(anchored.cid):
            return CredentialOnRecord(
                anchored, CredentialStatus.REVOKED if revoked else None, note="not in the store"
            )
        token = store.get(anchored.cid).decode("ascii")
        status = credential_status(token)
    except (FilonError, UnicodeDecodeError, OSError) as exc:
        note = f"the stored credential does not verify: {exc}"
        return CredentialOnRecord(anchored, CredentialStatus.REVOKED if revoked else None, note=note)
    credential = _claims(token)
    mismatch = _mismatch(anchored, credential, deployment)
    if mismatch is not None:
        return CredentialOnRecord(anchored, CredentialStatus.REVOKED if revoked else None, note=mismatch)
    until = _seconds(credential.get("validUntil"))
    if revoked:
        status = CredentialStatus.REVOKED
    elif until is not None and until <= now:
        status = CredentialStatus.EXPIRED
    elif status is CredentialStatus.EXPIRED:  # by the wall clock, but not yet at the index's time
        status = CredentialStatus.VALID
    assessment = _assessment(credential)
    verdict = assessment.get("conformance")
    issuer = credential.get("issuer")
    return CredentialOnRecord(
        anchored,
        status,
        assessment=str(assessment.get("name")) if "name" in assessment else None,
        conformance=verdict if isinstance(verdict, bool) else None,
        valid_until=until,
        issuer_name=str(issuer.get("name")) if isinstance(issuer, Mapping) and "name" in issuer else None,
    )


def _mismatch(
    anchored: AnchoredCredential, credential: Mapping[str, Any], deployment: Deployment
) -> str | None:
    """Why the chain does not back what a verified credential says, or None when it does."""
    if _issuer(credential) != anchored.attester.lower():
        return "the stored credential's issuer is not the attester"
    urn = subject_urn(deployment.chain_id, deployment.address, anchored.subject_kind, anchored.subject_id)
    if attested_subject(credential) != urn:
        return (
            f"the stored credential is about {attested_subject(credential)}, not {urn} it was anchored about"
        )
    entry = credential.get("credentialStatus")
    index = entry.get("statusListIndex") if isinstance(entry, Mapping) else None
    if index != str(anchored.status_index):
        return (
            f"the stored credential's status index is {index!r}, not its place {anchored.status_index} "
            "among its attester's anchorings: its status list bit is another credential's"
        )
    return None


def _claims(token: str) -> dict[str, Any]:
    """The `vc` of a JWT that `credential_status` verified."""
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    found = claims.get("vc")
    return found if isinstance(found, dict) else {}


def _issuer(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    did = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return did.rsplit(":", 1)[-1].lower() if isinstance(did, str) else ""


def _assessment(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = credential.get("credentialSubject")
    found = subject.get("assessment") if isinstance(subject, Mapping) else None
    first = found[0] if isinstance(found, list) and found else None
    return first if isinstance(first, Mapping) else {}


def _seconds(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return int(datetime.datetime.fromisoformat(value).timestamp())
    except ValueError:
        return None
