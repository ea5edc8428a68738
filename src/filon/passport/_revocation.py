"""Why a credential does not count (the `CredentialInvalid` family), and whether a conformity credential was
revoked: by the chain (the source of truth) or by a status list.

`verify_credential(credential, revocation=...)` takes either a reader of the chain's attestations (a
`filon.Client`) or the attester's status list credential (what `/status/<attester>` of an explorer
serves). The chain also tells whether the credential was ever anchored, by whom and about what; a status
list tells only the bit.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from filon._errors import FilonError
from filon._types import Attestation
from filon.passport._dcc import attested_subject, credential_hash, subject_urn
from filon.passport._status import listed_as_revoked

if TYPE_CHECKING:
    from filon._deployment import Deployment


class CredentialInvalid(FilonError, ValueError):
    """A credential does not verify: no or malformed proof or JWT, wrong signer, altered, or not valid now."""


class CredentialExpired(CredentialInvalid):
    """A credential's signature verifies, but its `validUntil` (the JWT's `exp`) has passed."""


class CredentialRevoked(CredentialInvalid):
    """A credential's signature verifies, but its attester revoked it (on chain, or in its status list)."""


class UnanchoredCredential(CredentialInvalid):
    """The chain does not back a conformity credential: never anchored, or by another account or about
    another subject than the credential states."""


class AttestationReader(Protocol):
    """What reads attestations from the chain: a `filon.Client`."""

    @property
    def deployment(self) -> Deployment:
        """The deployment whose attestations it reads."""

    def attestation(self, credential_hash: bytes | str) -> Attestation | None:
        """The attestation anchored with this hash, or None."""


Revocation = AttestationReader | Mapping[str, Any]
"""Where `verify_credential` learns of revocations: the chain (a client) or a status list credential."""


class CredentialStatus(StrEnum):
    """What `credential_status` finds of a credential whose signature verifies."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


def revocation_problem(token: str, credential: Mapping[str, Any], revocation: Revocation) -> str | None:
    """Why `credential` (signed as `token`) counts as revoked, or None when it is not.

    Raises:
        StatusListInvalid: With a status list: the list or the credential's entry is unusable.
        UnanchoredCredential: With a client: the credential was never anchored, or not as it says.
    """
    if isinstance(revocation, Mapping):
        if listed_as_revoked(credential, revocation):
            return f"the status list {revocation.get('id')} lists the credential as revoked"
        return None
    hashed = credential_hash(token)
    anchored = revocation.attestation(hashed)
    if anchored is None:
        raise UnanchoredCredential(f"the credential 0x{hashed.hex()} was never anchored on chain")
    issuer = credential.get("issuer")
    did = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(did, str) or did.rsplit(":", 1)[-1].lower() != anchored.attester.lower():
        raise UnanchoredCredential(
            f"the credential 0x{hashed.hex()} was anchored by {anchored.attester}, not by its issuer"
        )
    deployment = revocation.deployment
    urn = subject_urn(deployment.chain_id, deployment.address, anchored.subject_kind, anchored.subject_id)
    if attested_subject(credential) != urn:
        raise UnanchoredCredential(
            f"the credential 0x{hashed.hex()} was anchored about {urn}, not {attested_subject(credential)}"
        )
    if anchored.revoked:
        return f"its attester {anchored.attester} revoked the credential 0x{hashed.hex()} on chain"
    return None
