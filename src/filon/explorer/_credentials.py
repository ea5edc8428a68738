"""The conformity credentials a page lists, and the attesters' status lists the explorer serves.

A status list is rebuilt from the index (the chain's revocations) each time it is asked for, and served
unsigned: it restates the chain, which is the source of truth, and the explorer holds no attester's key
(docs/credentials.md).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from filon._types import SubjectKind
from filon.explorer._models import CredentialOut
from filon.index import CredentialOnRecord, Index
from filon.passport._status import status_list_credential, status_list_url


def credentials_out(records: Iterable[CredentialOnRecord]) -> list[CredentialOut]:
    """The credentials as a page shows them, in chain order."""
    return [
        CredentialOut(
            credential_hash="0x" + record.anchored.credential_hash.hex(),
            cid=record.anchored.cid,
            attester=record.anchored.attester,
            issuer_name=record.issuer_name,
            subject=f"{'lot' if record.anchored.subject_kind is SubjectKind.LOT else 'mine'} "
            f"{record.anchored.subject_id}",
            assessment=record.assessment,
            conformance=record.conformance,
            status=record.status.value if record.status is not None else "unverified",
            valid_until=record.valid_until,
            anchored_block=record.anchored.block_number,
            status_index=record.anchored.status_index,
            note=record.note,
        )
        for record in records
    ]


def status_list(index: Index, attester: str, base_url: str) -> dict[str, Any] | None:
    """The attester's status list credential at `base_url`, as of the index's last block; None if the
    attester never anchored a credential."""
    revoked = index.revoked_indices(attester)
    if revoked is None:
        return None
    return status_list_credential(
        attester,
        chain_id=index.deployment.chain_id,
        list_url=status_list_url(base_url, attester),
        revoked=revoked,
        valid_from=datetime.datetime.fromtimestamp(index.head_time(), datetime.UTC),
    )
