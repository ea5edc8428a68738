"""Conformity credentials (UNTP DCC 0.6.1) checked by the standards alone: the vendored UNTP JSON Schema, an
independent JOSE library and the did:pkh / JWT-VC libraries; revocation by a W3C Bitstring Status List."""

from __future__ import annotations

import base64
import datetime
import gzip
import hashlib
from typing import Any

import pytest
from credential_examples import CHAIN_ID, CONTRACT, DEPLOYMENT, ISSUER, VALID_FROM
from eth_account import Account

import filon
from filon.passport import (
    Assessment,
    AttestationSubject,
    CredentialExpired,
    CredentialRevoked,
    CredentialStatus,
    Evidence,
    Measure,
    StatusListInvalid,
    conformity_credential,
    credential_hash,
    credential_jwt,
    credential_status,
    sign_credential,
    status_list_credential,
    verify_credential,
)
from filon.passport._status import STATUS_LIST_BITS, encode_status_list, listed_as_revoked, status_bit
from standards import untp_dcc_errors, verify_vc_jwt_independently, verify_with_did_jwt

HOLDER = Account.from_key("0x" + "33" * 32).address
LIST_URL = f"https://trace.example.org/status/{ISSUER.address}"
REPORT = Evidence("Fire assay report 2026-0142", "ab" * 32)
LOT_SUBJECT = AttestationSubject(filon.SubjectKind.LOT, 201, "Gold doré lot 201", HOLDER, "Planta Sol")


def assay(**changes: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "credential_id": "urn:uuid:0b5e1c4e-5f0e-4c51-9d1a-3a2b1c0d9e8f",
        "issuer_address": ISSUER.address,
        "issuer_name": "Laboratorio Andino",
        "chain_id": CHAIN_ID,
        "contract": CONTRACT,
        "subject": LOT_SUBJECT,
        "assessment": Assessment.ASSAY,
        "conformance": True,
        "assessment_date": VALID_FROM,
        "valid_from": VALID_FROM,
        "status_list": LIST_URL,
        "status_index": 5,
        "result": "Fire assay: 999.9 fine",
        "measures": [Measure("fineness", 999.9, "NX")],
        "evidence": [REPORT],
        "valid_until": VALID_FROM + datetime.timedelta(days=365),
    }
    return conformity_credential(**(arguments | changes))


def status_list(*revoked: int) -> dict[str, Any]:
    return status_list_credential(
        ISSUER.address, chain_id=CHAIN_ID, list_url=LIST_URL, revoked=revoked, valid_from=VALID_FROM
    )


def test_an_assay_of_a_lot_is_a_untp_conformity_credential() -> None:
    credential = assay()

    assert untp_dcc_errors(credential) == []
    assert credential == {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://test.uncefact.org/vocabulary/untp/dcc/0.6.1/",
        ],
        "type": ["DigitalConformityCredential", "VerifiableCredential"],
        "id": "urn:uuid:0b5e1c4e-5f0e-4c51-9d1a-3a2b1c0d9e8f",
        "issuer": {
            "type": ["CredentialIssuer"],
            "id": f"did:pkh:eip155:31337:{ISSUER.address}",
            "name": "Laboratorio Andino",
        },
        "validFrom": "2026-03-01T12:00:00Z",
        "validUntil": "2027-03-01T12:00:00Z",
        "credentialStatus": {
            "id": f"{LIST_URL}#5",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "5",
            "statusListCredential": LIST_URL,
        },
        "credentialSubject": {
            "type": ["ConformityAttestation", "Attestation"],
            "id": "urn:uuid:0b5e1c4e-5f0e-4c51-9d1a-3a2b1c0d9e8f#attestation",
            "name": "Assay of Gold doré lot 201",
            "assessorLevel": "3rdParty",
            "assessmentLevel": "Unspecified",
            "attestationType": "testing",
            "issuedToParty": {"id": f"did:pkh:eip155:31337:{HOLDER}", "name": "Planta Sol"},
            "assessment": [
                {
                    "type": ["ConformityAssessment", "Declaration"],
                    "id": "urn:uuid:0b5e1c4e-5f0e-4c51-9d1a-3a2b1c0d9e8f#assessment",
                    "name": "Assay",
                    "assessmentDate": "2026-03-01",
                    "conformance": True,
                    "conformityTopic": "governance.transparency",
                    "description": "Fire assay: 999.9 fine",
                    "declaredValue": [
                        {"metricName": "fineness", "metricValue": {"value": 999.9, "unit": "NX"}}
                    ],
                    "assessedProduct": [
                        {
                            "type": ["ProductVerification"],
                            "product": {
                                "id": f"{DEPLOYMENT}:lot:201",
                                "name": "Gold doré lot 201",
                                "registeredId": "201",
                            },
                            "IDverifiedByCAB": True,
                        }
                    ],
                }
            ],
            "auditableEvidence": {
                "type": ["SecureLink", "Link"],
                "linkURL": f"ipfs://{filon.cid_for_sha256('ab' * 32)}",
                "linkName": "Fire assay report 2026-0142",
                "hashDigest": "ab" * 32,
                "hashMethod": "SHA-256",
            },
            "evidenceDocuments": [
                {
                    "type": ["SecureLink", "Link"],
                    "linkURL": f"ipfs://{filon.cid_for_sha256('ab' * 32)}",
                    "linkName": "Fire assay report 2026-0142",
                    "hashDigest": "ab" * 32,
                    "hashMethod": "SHA-256",
                }
            ],
        },
    }


@pytest.mark.parametrize(
    ("assessment", "attestation_type", "topic"),
    [
        (Assessment.CRAFT, "inspection", "social.rights"),
        (Assessment.OECD_ANNEX_II, "verification", "governance.ethics"),
        (Assessment.FAIRMINED, "certification", "social.labour"),
    ],
)
def test_an_audit_of_a_mine_is_a_facility_verification(
    assessment: Assessment, attestation_type: str, topic: str
) -> None:
    mine = AttestationSubject(filon.SubjectKind.MINE, 4, "Mine 4", HOLDER)

    credential = assay(
        subject=mine, assessment=assessment, conformance=False, measures=(), evidence=(), result=""
    )
    attested = credential["credentialSubject"]

    assert untp_dcc_errors(credential) == []
    assert attested["attestationType"] == attestation_type
    assert attested["issuedToParty"] == {"id": f"did:pkh:eip155:31337:{HOLDER}", "name": HOLDER}
    assert attested["assessment"][0]["conformityTopic"] == topic
    assert attested["assessment"][0]["conformance"] is False
    assert attested["assessment"][0]["assessedFacility"] == [
        {
            "type": ["FacilityVerification"],
            "facility": {"id": f"{DEPLOYMENT}:mine:4", "name": "Mine 4", "registeredId": "4"},
            "IDverifiedByCAB": True,
        }
    ]
    assert "auditableEvidence" not in attested and "assessedProduct" not in attested["assessment"][0]


def test_bad_input_is_refused() -> None:
    with pytest.raises(
        filon.InvalidInput, match=r"^valid_until 2026-03-01T12:00:00\+00:00 is not after valid_from$"
    ):
        assay(valid_until=VALID_FROM)
    with pytest.raises(filon.InvalidInput, match=r"^a status list index is an int from 0 to 131071, got -1$"):
        assay(status_index=-1)
    with pytest.raises(
        filon.InvalidInput, match=r"^evidence is a filon.Evidence with a lowercase hex SHA-256"
    ):
        assay(evidence=[Evidence("report", "AB" * 32)])
    with pytest.raises(filon.InvalidInput, match=r"^assessment must be a filon.Assessment, got 'assay'$"):
        assay(assessment="assay")


def test_its_jwt_verifies_with_independent_verifiers() -> None:
    token = credential_jwt(assay(), ISSUER)

    address, claims = verify_vc_jwt_independently(token)

    assert address == ISSUER.address
    assert claims["vc"] == assay()
    assert claims["exp"] == int((VALID_FROM + datetime.timedelta(days=365)).timestamp())
    assert verify_with_did_jwt(token) == {
        "issuer": f"did:pkh:eip155:31337:{ISSUER.address}",
        "signer": f"did:pkh:eip155:31337:{ISSUER.address}#blockchainAccountId",
        "id": "urn:uuid:0b5e1c4e-5f0e-4c51-9d1a-3a2b1c0d9e8f",
        "subject": "urn:uuid:0b5e1c4e-5f0e-4c51-9d1a-3a2b1c0d9e8f#attestation",
    }
    assert verify_credential(token) == ISSUER.address


def test_the_anchored_hash_is_sha256_of_the_compact_jwt() -> None:
    signed = sign_credential(assay(), ISSUER)
    token = signed["proof"]["jwt"]

    assert credential_hash(token) == hashlib.sha256(token.encode("ascii")).digest()
    assert credential_hash(signed) == credential_hash(token)
    with pytest.raises(filon.InvalidInput, match="taken over its compact JWT"):
        credential_hash(assay())


def test_the_status_list_is_the_w3c_bitstring() -> None:
    listed = status_list(5, 131_071)
    encoded = listed["credentialSubject"]["encodedList"]
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))

    assert listed == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": f"did:pkh:eip155:31337:{ISSUER.address}",
        "validFrom": "2026-03-01T12:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    assert encoded.startswith("u") and "=" not in encoded
    assert len(bits) == STATUS_LIST_BITS // 8
    assert bits[0] == 0b0000_0100 and bits[-1] == 0b0000_0001 and sum(bits) == 5
    assert [status_bit(encoded, i) for i in (4, 5, 6, 131_071)] == [False, True, False, True]


def test_a_credential_the_status_list_revokes_verifies_as_revoked() -> None:
    signed = sign_credential(assay(), ISSUER)

    with pytest.raises(
        CredentialRevoked, match=f"the status list {LIST_URL} lists the credential as revoked"
    ):
        verify_credential(signed, revocation=status_list(5))

    assert verify_credential(signed, revocation=status_list(4, 6)) == ISSUER.address
    assert credential_status(signed, revocation=status_list(5)) is CredentialStatus.REVOKED
    assert credential_status(signed, revocation=status_list()) is CredentialStatus.VALID
    assert credential_status(signed) is CredentialStatus.VALID


def test_an_expired_credential_verifies_as_expired_and_revoked_wins() -> None:
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    token = credential_jwt(assay(valid_from=past, valid_until=past + datetime.timedelta(days=1)), ISSUER)

    with pytest.raises(CredentialExpired, match=r"^the credential expired at 1577923200$"):
        verify_credential(token)

    assert isinstance(CredentialExpired("x"), filon.CredentialInvalid)
    assert credential_status(token, revocation=status_list()) is CredentialStatus.EXPIRED
    assert credential_status(token, revocation=status_list(5)) is CredentialStatus.REVOKED


def test_a_status_list_that_is_not_the_credential_s_is_refused() -> None:
    signed = sign_credential(assay(), ISSUER)
    other = {**status_list(), "id": "https://elsewhere.example/status/1"}
    stranger = status_list_credential(
        HOLDER, chain_id=CHAIN_ID, list_url=LIST_URL, revoked=(), valid_from=VALID_FROM
    )
    short = status_list()
    short["credentialSubject"] = {**short["credentialSubject"], "encodedList": encode_status_list((), bits=8)}

    with pytest.raises(
        StatusListInvalid, match=r"^the status list 'https://elsewhere.example/status/1' is not"
    ):
        verify_credential(signed, revocation=other)
    with pytest.raises(StatusListInvalid, match=r"^the status list's issuer 'did:pkh:eip155:31337:0x"):
        verify_credential(signed, revocation=stranger)
    with pytest.raises(StatusListInvalid, match=r"^the status list has 8 bits, fewer than 131072$"):
        verify_credential(signed, revocation=short)
    with pytest.raises(StatusListInvalid, match="no BitstringStatusListEntry"):
        verify_credential(
            credential_jwt({k: v for k, v in assay().items() if k != "credentialStatus"}, ISSUER),
            revocation=status_list(),
        )


def test_a_status_index_that_is_not_a_few_ascii_digits_is_refused() -> None:
    def entry(index: str) -> dict[str, Any]:
        credential = assay()
        return {
            **credential,
            "credentialStatus": {**credential["credentialStatus"], "statusListIndex": index},
        }

    assert "²".isdigit()
    with pytest.raises(
        StatusListInvalid, match=r"^the credential's statusListIndex is not a number of 1 to 6 digits: '²'$"
    ):
        listed_as_revoked(entry("²"), status_list())
    with pytest.raises(
        StatusListInvalid,
        match=r"^the credential's statusListIndex is not a number of 1 to 6 digits: '1{39}$",
    ):
        listed_as_revoked(entry("1" * 5_000), status_list())
    with pytest.raises(
        StatusListInvalid, match=r"^status list index 999999 is outside the list of 131072 bits$"
    ):
        listed_as_revoked(entry("999999"), status_list())
    assert listed_as_revoked(entry("131071"), status_list(131_071)) is True
