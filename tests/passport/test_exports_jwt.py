"""Credentials secured as VC-JWTs (ES256K by the issuer's key), checked by Filón and by an independent JOSE
library (joserfc) against the public key of the issuer's did:pkh address."""

from __future__ import annotations

import base64
import copy
import datetime
import json
from typing import Any

import jwt as pyjwt
import pytest
from credential_examples import CHAIN_ID, ISSUER, VALID_FROM, credential
from cryptography.hazmat.primitives.asymmetric import ec
from eth_account import Account
from eth_account.signers.local import LocalAccount
from joserfc import jwk as jose_jwk
from joserfc import jwt as jose_jwt
from joserfc.errors import BadSignatureError

from filon._errors import FilonError, InvalidInput
from filon.passport import CredentialInvalid, credential_jwt, sign_credential, verify_credential
from standards import jwk_address, verify_vc_jwt_independently, verify_with_did_jwt

STRANGER: LocalAccount = Account.from_key("0x" + "22" * 32)
DID = f"did:pkh:eip155:{CHAIN_ID}:{ISSUER.address}"


def segment(part: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def private_key(account: LocalAccount) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(bytes(account.key), "big"), ec.SECP256K1())


def jwk_of(account: LocalAccount) -> dict[str, str]:
    numbers = private_key(account).public_key().public_numbers()
    x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
    b64 = base64.urlsafe_b64encode
    return {
        "kty": "EC",
        "crv": "secp256k1",
        "x": b64(x).rstrip(b"=").decode(),
        "y": b64(y).rstrip(b"=").decode(),
    }


def forge(claims: dict[str, Any], signer: LocalAccount, **headers: Any) -> str:
    """A JWT signed ES256K by `signer` with whatever claims and headers a test needs."""
    return pyjwt.encode(claims, private_key(signer), algorithm="ES256K", headers=headers)


def claims_of(unsigned: dict[str, Any]) -> dict[str, Any]:
    return {
        "iss": DID,
        "sub": unsigned["credentialSubject"]["id"],
        "jti": unsigned["id"],
        "nbf": int(VALID_FROM.timestamp()),
        "vc": unsigned,
    }


def test_the_jwt_is_the_vc_jwt_encoding_with_the_issuer_s_key() -> None:
    unsigned = credential()

    header, payload, signature = credential_jwt(unsigned, ISSUER).split(".")

    assert segment(header) == {
        "alg": "ES256K",
        "typ": "JWT",
        "kid": f"{DID}#blockchainAccountId",
        "jwk": jwk_of(ISSUER),
    }
    assert segment(payload) == {
        "iss": DID,
        "sub": "urn:filon:eip155:31337:0x5FbDB2315678afecb367f032d93F642f64180aa3:lot:101",
        "jti": unsigned["id"],
        "nbf": 1772366400,  # 2026-03-01T12:00:00Z
        "vc": unsigned,
    }
    assert len(base64.urlsafe_b64decode(signature + "==")) == 64  # r || s


def test_an_independent_jose_library_verifies_it_against_the_did_pkh_address() -> None:
    token = credential_jwt(credential(), ISSUER)

    # joserfc, with the header's key once the key's address is the did:pkh's (tests/standards.py)
    address, claims = verify_vc_jwt_independently(token)

    assert address == ISSUER.address
    assert claims["vc"] == credential()


def test_the_independent_library_rejects_an_altered_credential() -> None:
    header, _, signature = credential_jwt(credential(), ISSUER).split(".")
    altered = claims_of(credential(issuer_name="Somebody Else"))
    payload = base64.urlsafe_b64encode(json.dumps(altered).encode()).rstrip(b"=").decode()
    token = f"{header}.{payload}.{signature}"

    with pytest.raises(BadSignatureError):
        jose_jwt.decode(token, jose_jwk.ECKey.import_key(segment(header)["jwk"]), algorithms=["ES256K"])
    with pytest.raises(CredentialInvalid, match=f"not signed by its issuer {ISSUER.address}"):
        verify_credential(token)


def test_did_jwt_with_a_did_pkh_resolver_accepts_it() -> None:
    token = credential_jwt(credential(), ISSUER)

    assert verify_with_did_jwt(token) == {
        "issuer": DID,
        "signer": f"{DID}#blockchainAccountId",
        "id": credential()["id"],
        "subject": credential()["credentialSubject"]["id"],
    }


def test_did_jwt_refuses_an_altered_credential_or_another_signer() -> None:
    header, _, signature = credential_jwt(credential(), ISSUER).split(".")
    altered = claims_of(credential(issuer_name="Somebody Else"))
    payload = base64.urlsafe_b64encode(json.dumps(altered).encode()).rstrip(b"=").decode()
    forged = forge(claims_of(credential()), STRANGER, kid=f"{DID}#blockchainAccountId", jwk=jwk_of(STRANGER))

    refused = {"error": "invalid_signature: no matching public key found"}
    assert verify_with_did_jwt(f"{header}.{payload}.{signature}") == refused
    assert verify_with_did_jwt(forged) == refused


def test_a_key_in_the_header_that_is_not_the_issuer_s_is_caught_by_the_address_check() -> None:
    # signed by a stranger who claims the issuer's did:pkh and ships its own key: a JOSE library that
    # trusted the header's key would accept it; the key's address gives it away
    token = forge(claims_of(credential()), STRANGER, kid=f"{DID}#blockchainAccountId", jwk=jwk_of(STRANGER))
    header = segment(token.split(".")[0])

    assert jose_jwt.decode(token, jose_jwk.ECKey.import_key(header["jwk"]), algorithms=["ES256K"])
    assert jwk_address(header["jwk"]) == STRANGER.address != ISSUER.address
    with pytest.raises(CredentialInvalid, match=f"not signed by its issuer {ISSUER.address}"):
        verify_credential(token)


def test_both_forms_verify_to_the_issuer() -> None:
    signed = sign_credential(credential(), ISSUER)
    reordered = dict(reversed(list(json.loads(json.dumps(signed)).items())))

    assert signed["proof"]["type"] == "JwtProof2020"
    assert {k: v for k, v in signed.items() if k != "proof"} == credential()
    assert verify_credential(signed["proof"]["jwt"]) == ISSUER.address
    assert verify_credential(signed) == ISSUER.address
    assert verify_credential(reordered) == ISSUER.address


def test_a_jwt_without_a_jwk_verifies_as_did_jwt_issues_it() -> None:
    token = forge(claims_of(credential()), ISSUER, kid=f"{DID}#blockchainAccountId")

    assert verify_credential(token) == ISSUER.address


@pytest.mark.parametrize(
    "path",
    [
        ("id",),
        ("validFrom",),
        ("issuer", "name"),
        ("credentialSubject", "product", "batchNumber"),
        ("credentialSubject", "materialsProvenance", 0, "massFraction"),
        ("credentialSubject", "emissionsScorecard", "carbonFootprint"),
        ("credentialSubject", "conformityClaim", 0, "conformityEvidence", "hashDigest"),
    ],
)
def test_a_json_credential_that_differs_from_its_jwt_is_refused(path: tuple[str | int, ...]) -> None:
    tampered = sign_credential(credential(), ISSUER)
    node: Any = tampered
    for key in path[:-1]:
        node = node[key]
    old = node[path[-1]]
    node[path[-1]] = old + 1 if isinstance(old, int | float) else old + "x"

    with pytest.raises(CredentialInvalid, match="the credential differs from the one its JWT signs"):
        verify_credential(tampered)


def test_an_added_field_is_refused() -> None:
    tampered = sign_credential(credential(), ISSUER)
    tampered["credentialSubject"]["notes"] = "now conflict-free"

    with pytest.raises(CredentialInvalid, match="differs"):
        verify_credential(tampered)


def test_the_header_s_key_must_be_the_issuer_s() -> None:
    token = forge(claims_of(credential()), ISSUER, kid=f"{DID}#blockchainAccountId", jwk=jwk_of(STRANGER))

    with pytest.raises(CredentialInvalid, match=f"jwk is not the key of its issuer {ISSUER.address}"):
        verify_credential(token)


def test_a_credential_not_yet_valid_or_expired_is_refused() -> None:
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=2)
    expired = credential()
    expired["validUntil"] = "2026-03-02T00:00:00Z"

    with pytest.raises(CredentialInvalid, match=r"not valid before \d+"):
        verify_credential(credential_jwt(credential(valid_from=later), ISSUER))
    with pytest.raises(CredentialInvalid, match="expired at 1772409600"):
        verify_credential(credential_jwt(expired, ISSUER))


def changed(**claims: Any) -> dict[str, Any]:
    found = claims_of(credential())
    found.update(claims)
    return {key: value for key, value in found.items() if value is not None}


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        (changed(sub="urn:example:other"), "the credential's subject is not the JWT's 'urn:example:other'"),
        (changed(jti="urn:example:other"), "the credential's id .* is not the JWT's 'urn:example:other'"),
        (changed(nbf=1772366401), "the credential's validFrom '2026-03-01T12:00:00Z' is not the JWT's nbf"),
        (changed(vc=None), r"the JWT has no credential \(vc claim\)"),
        (changed(nbf=None), 'Token is missing the "nbf" claim'),
    ],
    ids=["subject", "id", "nbf", "no vc", "no nbf"],
)
def test_claims_that_disagree_with_the_credential_are_refused(claims: dict[str, Any], error: str) -> None:
    token = forge(claims, ISSUER, kid=f"{DID}#blockchainAccountId")

    with pytest.raises(CredentialInvalid, match=error):
        verify_credential(token)


def test_a_credential_naming_another_issuer_than_the_jwt_is_refused() -> None:
    vc = copy.deepcopy(credential())
    vc["issuer"]["id"] = f"did:pkh:eip155:{CHAIN_ID}:{STRANGER.address}"

    with pytest.raises(CredentialInvalid, match=r"the credential's issuer .* is not the JWT's iss"):
        verify_credential(forge(changed(vc=vc), ISSUER))


@pytest.mark.parametrize(
    ("token", "error"),
    [
        ("not a jwt", "not a compact JWT"),
        ("a.b.c", "the JWT is malformed"),
        (pyjwt.encode({"iss": DID, "nbf": 1}, "s" * 32, algorithm="HS256"), "signed 'HS256', not 'ES256K'"),
        (pyjwt.encode({"iss": DID, "nbf": 1}, None, algorithm="none"), "signed 'none', not 'ES256K'"),
        (forge(changed(iss="did:web:example.com"), ISSUER), "the issuer is not a did:pkh:eip155 identifier"),
        (
            forge(changed(), ISSUER, kid="did:example:1#key-1"),
            "key id 'did:example:1#key-1' is not its issuer's",
        ),
        (forge(changed(), ISSUER).rsplit(".", 1)[0] + ".AAAA", "signature is not 64 bytes"),
        (forge(changed(), ISSUER).rsplit(".", 1)[0] + "." + "A" * 86, "not signed by its issuer"),
    ],
    ids=["not compact", "not base64 JSON", "HS256", "alg none", "not did:pkh", "other kid", "short", "zero"],
)
def test_a_malformed_or_foreign_jwt_is_refused(token: str, error: str) -> None:
    with pytest.raises(CredentialInvalid, match=error) as caught:
        verify_credential(token)

    assert isinstance(caught.value, FilonError)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (lambda c: c.pop("proof"), "the credential has no proof"),
        (lambda c: c.__setitem__("proof", "0x00"), "the credential has no proof"),
        (
            lambda c: c["proof"].__setitem__("type", "EthereumEip712Signature2021"),
            "the proof is of type 'EthereumEip712Signature2021', not 'JwtProof2020'",
        ),
        (lambda c: c["proof"].pop("jwt"), "the proof has no JWT"),
    ],
    ids=["no proof", "proof not an object", "other proof type", "no jwt"],
)
def test_a_json_credential_without_its_jwt_proof_is_refused(damage: Any, error: str) -> None:
    broken = sign_credential(credential(), ISSUER)
    damage(broken)

    with pytest.raises(CredentialInvalid, match=error):
        verify_credential(broken)


def test_a_credential_of_another_type_is_refused() -> None:
    with pytest.raises(CredentialInvalid, match="a credential is a JWT or a JSON object, not int"):
        verify_credential(42)  # type: ignore[arg-type]


def test_only_the_issuer_signs_and_only_a_dated_credential() -> None:
    undated = credential()
    del undated["validFrom"]

    with pytest.raises(InvalidInput, match=f"{STRANGER.address} cannot sign a credential issued by"):
        credential_jwt(credential(), STRANGER)
    with pytest.raises(InvalidInput, match="no validFrom"):
        sign_credential(undated, ISSUER)
