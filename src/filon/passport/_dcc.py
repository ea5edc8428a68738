"""A conformity attestation about a lot or a mine as a UNTP Digital Conformity Credential (UNTP DCC 0.6.1)
in a W3C VC 2.0.

`conformity_credential` builds the unsigned credential an auditor or a laboratory issues: one
`ConformityAssessment` (the kind of assessment, its result, measured values) of the lot (`assessedProduct`)
or the mine (`assessedFacility`), the evidence documents as `SecureLink`s by SHA-256 and CID, a validity
period, and a `credentialStatus` entry in the attester's Bitstring Status List. `credential_hash` is what
goes on chain: SHA-256 of the compact VC-JWT's ASCII bytes, the one form of a credential every verifier
receives intact (the JSON form carries it as `proof.jwt`). SHA-256, as for every document of the store: the
anchored hash is also the credential's address, `cid_for_sha256(hash)`, where anyone who knows only the
hash (an explorer reading the chain) fetches the credential itself.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from filon._errors import InvalidInput
from filon._types import SubjectKind
from filon.passport._ids import checked_address, deployment_urn, did_pkh, iso_timestamp
from filon.passport._status import status_entry
from filon.passport._store import cid_for_sha256

UNTP_DCC_VERSION = "0.6.1"
"""The UNTP Digital Conformity Credential release the credential follows (its JSON Schema validates it)."""

CONFORMITY_CONTEXT = (
    "https://www.w3.org/ns/credentials/v2",
    f"https://test.uncefact.org/vocabulary/untp/dcc/{UNTP_DCC_VERSION}/",
)
"""The JSON-LD contexts of a conformity credential: VC Data Model 2.0, then UNTP DCC 0.6.1."""

_SHA256 = re.compile(r"[0-9a-f]{64}")


class Assessment(StrEnum):
    """The kind of conformity assessment an attester states."""

    ASSAY = "assay"
    CRAFT = "craft"
    OECD_ANNEX_II = "oecd_annex_ii"
    FAIRMINED = "fairmined"

    @property
    def label(self) -> str:
        """The assessment's name in a credential."""
        return _TITLES[self]


_TITLES = {
    Assessment.ASSAY: "Assay",
    Assessment.CRAFT: "CRAFT assessment",
    Assessment.OECD_ANNEX_II: "OECD Annex II risk review",
    Assessment.FAIRMINED: "Fairmined audit",
}

_UNTP = {
    Assessment.ASSAY: ("testing", "governance.transparency"),
    Assessment.CRAFT: ("inspection", "social.rights"),
    Assessment.OECD_ANNEX_II: ("verification", "governance.ethics"),
    Assessment.FAIRMINED: ("certification", "social.labour"),
}
"""UNTP's `attestationType` and `conformityTopic` of each kind of assessment."""


@dataclass(frozen=True)
class Evidence:
    """A document the assessment rests on, by the SHA-256 of its bytes (kept in the document store).

    Attributes:
        name: What the document is, e.g. "Fire assay report 2026-0142".
        sha256: The SHA-256 of its bytes, 64 lowercase hex digits; its CID follows from it.
    """

    name: str
    sha256: str


@dataclass(frozen=True)
class Measure:
    """A value the assessment measured, e.g. fineness 999.9 per thousand.

    Attributes:
        name: What was measured, e.g. "fineness".
        value: The value.
        unit: Its UN/ECE Recommendation 20 code, e.g. "GRM" (gram) or "NX" (part per thousand).
    """

    name: str
    value: float
    unit: str


@dataclass(frozen=True)
class AttestationSubject:
    """What the attestation is about: a lot or a mine of a `FilonLots` deployment.

    Attributes:
        kind: `SubjectKind.LOT` or `SubjectKind.MINE`.
        id: The lot id or the mine id.
        name: Its name in the credential, e.g. "Gold doré lot 201".
        party: The address it is issued to (the lot's holder, the mine's operator).
        party_name: That party's name; its address when empty.
    """

    kind: SubjectKind
    id: int
    name: str
    party: str
    party_name: str = ""


def subject_urn(chain_id: int, contract: str, kind: SubjectKind, subject_id: int) -> str:
    """The URN of a lot or a mine: `urn:filon:eip155:<chainId>:<FilonLots address>:lot:<id>` (or `:mine:`)."""
    return f"{deployment_urn(chain_id, contract)}:{'lot' if kind is SubjectKind.LOT else 'mine'}:{subject_id}"


def conformity_credential(
    *,
    credential_id: str,
    issuer_address: str,
    issuer_name: str,
    chain_id: int,
    contract: str,
    subject: AttestationSubject,
    assessment: Assessment,
    conformance: bool,
    assessment_date: datetime,
    valid_from: datetime,
    status_list: str,
    status_index: int,
    result: str = "",
    measures: Sequence[Measure] = (),
    evidence: Sequence[Evidence] = (),
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """An attestation as an unsigned W3C VC 2.0 whose subject is a UNTP DCC 0.6.1 `ConformityAttestation`.

    Args:
        credential_id: The credential's id, a URI (e.g. `urn:uuid:...`).
        issuer_address: The attester's account, which will sign and anchor it.
        issuer_name: The attester's name (UNTP requires one).
        chain_id: The chain of the `FilonLots` deployment (also the issuer DID's chain).
        contract: The `FilonLots` address.
        subject: The lot or the mine assessed.
        assessment: The kind of assessment.
        conformance: Whether the subject conforms (the assessment's verdict).
        assessment_date: When the assessment was made (its date is stated).
        valid_from: When the credential becomes valid (timezone-aware; whole seconds, as the JWT states).
        status_list: The URL of the attester's status list (`status_list_url`).
        status_index: The credential's index in it: the number of credentials the attester anchored before.
        result: The result in words, e.g. "Fire assay: 999.9 fine".
        measures: Measured values.
        evidence: The documents the assessment rests on.
        valid_until: When the credential expires, if it does (after `valid_from`).

    Returns:
        The credential, ready for `sign_credential` or `credential_jwt`.

    Raises:
        InvalidInput: An address, the chain id, a date, the subject, a digest or the status index is
            unusable.
    """
    if not isinstance(assessment, Assessment):
        raise InvalidInput(f"assessment must be a filon.Assessment, got {assessment!r}")
    if not isinstance(subject, AttestationSubject) or not isinstance(subject.kind, SubjectKind):
        raise InvalidInput(
            f"subject must be a filon.AttestationSubject about a lot or a mine, got {subject!r}"
        )
    if not isinstance(credential_id, str) or ":" not in credential_id:
        raise InvalidInput(f"credential_id must be a URI, got {credential_id!r}")
    issuer = did_pkh(chain_id, issuer_address)
    party = did_pkh(chain_id, subject.party)
    urn = subject_urn(chain_id, checked_address(contract, "contract"), subject.kind, subject.id)
    attestation_type, topic = _UNTP[assessment]
    verified: dict[str, Any] = {"id": urn, "name": subject.name, "registeredId": str(subject.id)}
    judged: dict[str, Any] = {
        "type": ["ConformityAssessment", "Declaration"],
        "id": f"{credential_id}#assessment",
        "name": assessment.label,
        "assessmentDate": iso_timestamp(assessment_date, "assessment_date")[:10],
        "conformance": bool(conformance),
        "conformityTopic": topic,
    }
    if result:
        judged["description"] = result
    if measures:
        judged["declaredValue"] = [_metric(measure) for measure in measures]
    if subject.kind is SubjectKind.LOT:
        judged["assessedProduct"] = [
            {"type": ["ProductVerification"], "product": verified, "IDverifiedByCAB": True}
        ]
    else:
        judged["assessedFacility"] = [
            {"type": ["FacilityVerification"], "facility": verified, "IDverifiedByCAB": True}
        ]
    attested: dict[str, Any] = {
        "type": ["ConformityAttestation", "Attestation"],
        "id": f"{credential_id}#attestation",
        "name": f"{assessment.label} of {subject.name}",
        "assessorLevel": "3rdParty",
        "assessmentLevel": "Unspecified",
        "attestationType": attestation_type,
        "issuedToParty": {"id": party, "name": subject.party_name or party.rsplit(":", 1)[1]},
        "assessment": [judged],
    }
    links = [_link(document) for document in evidence]
    if links:
        attested["auditableEvidence"] = links[0]
        attested["evidenceDocuments"] = links
    credential: dict[str, Any] = {
        "@context": list(CONFORMITY_CONTEXT),
        "type": ["DigitalConformityCredential", "VerifiableCredential"],
        "id": credential_id,
        "issuer": {
            "type": ["CredentialIssuer"],
            "id": issuer,
            "name": issuer_name or issuer.rsplit(":", 1)[1],
        },
        "validFrom": iso_timestamp(valid_from, "valid_from"),
    }
    if valid_until is not None:
        credential["validUntil"] = iso_timestamp(valid_until, "valid_until")
        if valid_until <= valid_from:
            raise InvalidInput(f"valid_until {valid_until.isoformat()} is not after valid_from")
    credential["credentialStatus"] = status_entry(status_list, status_index)
    credential["credentialSubject"] = attested
    return credential


def _metric(measure: Measure) -> dict[str, Any]:
    if not isinstance(measure, Measure) or isinstance(measure.value, bool):
        raise InvalidInput(f"a measure is a filon.Measure with a numeric value, got {measure!r}")
    return {"metricName": measure.name, "metricValue": {"value": float(measure.value), "unit": measure.unit}}


def _link(document: Evidence) -> dict[str, Any]:
    if not isinstance(document, Evidence) or not _SHA256.fullmatch(str(document.sha256)):
        raise InvalidInput(f"evidence is a filon.Evidence with a lowercase hex SHA-256, got {document!r}")
    return {
        "type": ["SecureLink", "Link"],
        "linkURL": f"ipfs://{cid_for_sha256(document.sha256)}",
        "linkName": document.name,
        "hashDigest": document.sha256,
        "hashMethod": "SHA-256",
    }


def credential_hash(credential: Mapping[str, Any] | str) -> bytes:
    """The hash an attester anchors for a credential: SHA-256 of its compact VC-JWT (ASCII), which is also the
    digest of its CID in the document store.

    Args:
        credential: The compact JWT, or the JSON form whose `proof.jwt` it is.

    Raises:
        InvalidInput: The credential carries no JWT.
    """
    token: object = credential
    if isinstance(credential, Mapping):
        proof = credential.get("proof")
        token = proof.get("jwt") if isinstance(proof, Mapping) else None
    if not isinstance(token, str) or token.count(".") != 2:
        raise InvalidInput("a credential's hash is taken over its compact JWT, which this credential lacks")
    return hashlib.sha256(token.encode("ascii")).digest()


def attested_subject(credential: Mapping[str, Any]) -> str | None:
    """The URN of the lot or mine a conformity credential's assessment is about, or None."""
    subject = credential.get("credentialSubject")
    found = subject.get("assessment") if isinstance(subject, Mapping) else None
    if not isinstance(found, list) or not found or not isinstance(found[0], Mapping):
        return None
    for key, inner in (("assessedProduct", "product"), ("assessedFacility", "facility")):
        verified = found[0].get(key)
        if isinstance(verified, list) and verified and isinstance(verified[0], Mapping):
            item = verified[0].get(inner)
            if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                return str(item["id"])
    return None
