"""Securing a credential as a VC-JWT signed ES256K by its issuer's Ethereum key, and verifying it.

`credential_jwt` encodes a credential the way the deployed DID/JWT libraries (did-jwt-vc, Veramo) do: a
compact JWS, `alg` `ES256K` (ECDSA on secp256k1 over SHA-256, RFC 8812), with the registered claims `iss`
(the issuer's `did:pkh`), `sub` (the subject's id), `jti` (the credential's id), `nbf` (`validFrom`),
`exp` (`validUntil`, if any) and the whole credential under `vc`. Its header names the key,
`kid` = `<did:pkh>#blockchainAccountId` (the verification method a did:pkh resolver returns), and carries it,
`jwk` = the issuer's secp256k1 public key: an address is a hash, so a JOSE library that knows no did:pkh
takes the key from there, and must check that the key's address is the `iss` one. A did:pkh-aware verifier
(did-jwt) needs no `jwk`: it recovers the key from the signature and compares addresses.

`sign_credential` returns the JSON form: the credential with `proof` `{"type": "JwtProof2020", "jwt": ...}`,
as did-jwt-vc and Veramo present a JWT credential as JSON. Both forms carry one signature.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from eth_account.signers.local import LocalAccount
from eth_keys.datatypes import Signature
from eth_utils.address import to_checksum_address

from filon._errors import InvalidInput
from filon.passport._canonical import canonical_json
from filon.passport._revocation import (
    CredentialExpired,
    CredentialInvalid,
    CredentialRevoked,
    CredentialStatus,
    Revocation,
    revocation_problem,
)

JWT_ALGORITHM = "ES256K"
"""The JWS algorithm of a credential JWT: ECDSA on secp256k1 with SHA-256 (RFC 8812)."""

PROOF_TYPE = "JwtProof2020"
"""The `proof.type` of a credential in JSON form whose `proof.jwt` is its VC-JWT."""

_DID_PKH = re.compile(r"did:pkh:eip155:([1-9][0-9]*):(0x[0-9a-fA-F]{40})")
_VERIFICATION_METHOD = "#blockchainAccountId"


# ----------------------------------------------------------------------------- keys and encodings


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = key.public_numbers()
    return {
        "kty": "EC",
        "crv": "secp256k1",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }


def _issuer_did(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    did = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return did if isinstance(did, str) else repr(did)


def _pkh_address(did: object) -> str:
    """The checksummed address of a `did:pkh:eip155` DID."""
    match = _DID_PKH.fullmatch(did) if isinstance(did, str) else None
    if match is None:
        raise CredentialInvalid(f"the issuer is not a did:pkh:eip155 identifier: {did!r}")
    return str(to_checksum_address(match[2]))


def _seconds(value: object, name: str) -> int:
    """An RFC 3339 timestamp of the credential as a JWT NumericDate."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise CredentialInvalid(f"the credential's {name} is not a timestamp with a time zone: {value!r}")
    return int(moment.timestamp())


# ----------------------------------------------------------------------------- signing


def credential_jwt(credential: Mapping[str, Any], account: LocalAccount) -> str:
    """The credential as a compact VC-JWT signed ES256K by its issuer (see the module's description).

    Args:
        credential: The credential (`passport_credential`); a `proof` it carries is left out. Its issuer
            must be the account's `did:pkh`, and it must have a `validFrom`.
        account: The issuer's account.

    Returns:
        The compact JWT (`header.payload.signature`, base64url).

    Raises:
        InvalidInput: The account is not the credential's issuer, or the credential has no `validFrom`.
        CredentialInvalid: The issuer is not a `did:pkh:eip155` DID, or a date is not an RFC 3339 timestamp.
    """
    did = _issuer_did(credential)
    issuer = _pkh_address(did)
    if to_checksum_address(account.address) != issuer:
        raise InvalidInput(f"{account.address} cannot sign a credential issued by {issuer}")
    if "validFrom" not in credential:
        raise InvalidInput("the credential has no validFrom, which its JWT states as nbf")
    unsigned = {key: value for key, value in credential.items() if key != "proof"}
    claims: dict[str, Any] = {"iss": did, "nbf": _seconds(unsigned["validFrom"], "validFrom")}
    subject = unsigned.get("credentialSubject")
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    if isinstance(unsigned.get("id"), str):
        claims["jti"] = unsigned["id"]
    if "validUntil" in unsigned:
        claims["exp"] = _seconds(unsigned["validUntil"], "validUntil")
    claims["vc"] = unsigned
    key = ec.derive_private_key(int.from_bytes(bytes(account.key), "big"), ec.SECP256K1())
    headers = {"kid": did + _VERIFICATION_METHOD, "jwk": _jwk(key.public_key())}
    return jwt.encode(claims, key, algorithm=JWT_ALGORITHM, headers=headers)


def sign_credential(credential: Mapping[str, Any], account: LocalAccount) -> dict[str, Any]:
    """The credential in JSON form with its VC-JWT as `proof` (`{"type": "JwtProof2020", "jwt": ...}`).

    Args:
        credential: The credential (`passport_credential`); a `proof` it carries is replaced.
        account: The issuer's account.

    Returns:
        A new dict: the credential and its proof.

    Raises:
        InvalidInput, CredentialInvalid: As `credential_jwt`.
    """
    token = credential_jwt(credential, account)
    unsigned = {key: value for key, value in credential.items() if key != "proof"}
    return {**unsigned, "proof": {"type": PROOF_TYPE, "jwt": token}}


# ----------------------------------------------------------------------------- verifying


def verify_credential(credential: Mapping[str, Any] | str, *, revocation: Revocation | None = None) -> str:
    """Checks a credential, a compact VC-JWT or the JSON form with its `JwtProof2020`, and returns its issuer.

    The JWT must be signed ES256K by the key of the account its `iss` (a `did:pkh:eip155`) names: the key
    is recovered from the signature, and a `jwk` in the header must be that key. It must be valid now
    (`nbf`, `exp`), and its `vc` must agree with its claims (issuer, subject, id, dates). In JSON form the
    credential beside the proof must be the one the JWT signs, field for field. Without `revocation` no
    chain is read.

    Args:
        credential: The compact JWT, or the credential in JSON form with its proof.
        revocation: For a conformity credential, where to learn whether it was revoked. A `filon.Client`
            (the chain, the source of truth) proves that its issuer anchored it about the subject it names
            and has not revoked it. A status list credential (the JSON an explorer's `/status/<attester>`
            serves) proves only that this list, whose id and issuer are the credential's, does not mark
            its index as revoked: not that the credential was ever anchored, nor that its issuer is an
            admitted attester, nor that the list is the chain's (the list itself is not signed).

    Returns:
        The checksummed address of the issuer, which signed it.

    Raises:
        CredentialRevoked: The signature verifies but the chain or the status list says it was revoked
            (checked before the expiry).
        CredentialExpired: The signature verifies but `validUntil` has passed.
        UnanchoredCredential: With a client: the chain never anchored it, or anchored it by another account
            or about another subject.
        StatusListInvalid: With a status list: it is not the credential's list, or is malformed.
        CredentialInvalid: With the reason: no or another proof, a malformed JWT, another algorithm, an
            issuer that is not a did:pkh, a signature by another key, not yet valid, or a credential that
            differs from the one signed.
    """
    token, issuer, claims = _verified(credential)
    if revocation is not None:
        problem = revocation_problem(token, claims["vc"], revocation)
        if problem is not None:
            raise CredentialRevoked(f"the credential is revoked: {problem}")
    expiry = claims.get("exp")
    if expiry is not None and (isinstance(expiry, bool) or not isinstance(expiry, int | float)):
        raise CredentialInvalid(f"the JWT's exp is not a NumericDate: {expiry!r}")
    if expiry is not None and expiry <= time.time():
        raise CredentialExpired(f"the credential expired at {claims['exp']}")
    return issuer


def credential_status(
    credential: Mapping[str, Any] | str, *, revocation: Revocation | None = None
) -> CredentialStatus:
    """Whether a credential whose signature verifies is valid, expired or revoked (`verify_credential`).

    Args:
        credential: The compact JWT, or the credential in JSON form with its proof.
        revocation: As for `verify_credential`; without it, a credential is never found revoked. With a
            status list, `VALID` means only "signed, in date and not revoked per that list": anchoring and
            the issuer's admission are not checked (pass a `filon.Client` for that).

    Returns:
        `REVOKED` when the chain or the status list says so (whatever its dates), else `EXPIRED` when its
        `validUntil` has passed, else `VALID`.

    Raises:
        CredentialInvalid, StatusListInvalid: As `verify_credential`, but never `CredentialExpired` or
            `CredentialRevoked`.
    """
    try:
        verify_credential(credential, revocation=revocation)
    except CredentialRevoked:
        return CredentialStatus.REVOKED
    except CredentialExpired:
        return CredentialStatus.EXPIRED
    return CredentialStatus.VALID


def _verified(credential: Mapping[str, Any] | str) -> tuple[str, str, dict[str, Any]]:
    """The JWT, issuer and claims of a credential whose signature and content verify (not its expiry)."""
    if isinstance(credential, str):
        issuer, claims = _verify_jwt(credential)
        return credential, issuer, claims
    if not isinstance(credential, Mapping):
        raise CredentialInvalid(f"a credential is a JWT or a JSON object, not {type(credential).__name__}")
    proof = credential.get("proof")
    if not isinstance(proof, Mapping):
        raise CredentialInvalid("the credential has no proof")
    if proof.get("type") != PROOF_TYPE:
        raise CredentialInvalid(f"the proof is of type {proof.get('type')!r}, not {PROOF_TYPE!r}")
    token = proof.get("jwt")
    if not isinstance(token, str):
        raise CredentialInvalid(f"the proof has no JWT: {proof!r}")
    issuer, claims = _verify_jwt(token)
    unsigned = {key: value for key, value in credential.items() if key != "proof"}
    try:
        same = canonical_json(unsigned) == canonical_json(claims["vc"])
    except InvalidInput as exc:
        raise CredentialInvalid(f"the credential is not JSON: {exc}") from None
    if not same:
        raise CredentialInvalid("the credential differs from the one its JWT signs")
    return token, issuer, claims


def _verify_jwt(token: str) -> tuple[str, dict[str, Any]]:
    """The issuer and the claims of a VC-JWT that verifies (see `verify_credential`)."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise CredentialInvalid(f"not a compact JWT: {token!r:.80}")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise CredentialInvalid(f"the JWT is malformed: {exc}") from None
    if header.get("alg") != JWT_ALGORITHM:
        raise CredentialInvalid(f"the JWT is signed {header.get('alg')!r}, not {JWT_ALGORITHM!r}")
    did = unverified.get("iss")
    issuer = _pkh_address(did)
    if "kid" in header and header["kid"] != f"{did}{_VERIFICATION_METHOD}":
        raise CredentialInvalid(f"the JWT's key id {header['kid']!r} is not its issuer's")
    key = _issuer_key(token, issuer)
    if "jwk" in header:
        given = header["jwk"]
        expected = _jwk(key)
        if not isinstance(given, Mapping) or any(given.get(name) != expected[name] for name in expected):
            raise CredentialInvalid(f"the JWT header's jwk is not the key of its issuer {issuer}")
    try:
        # the expiry is checked last, by `verify_credential`: a revoked credential is revoked, expired or not
        options: Any = {"require": ["iss", "nbf"], "verify_exp": False}
        claims = jwt.decode(token, key, algorithms=[JWT_ALGORITHM], options=options)
    except jwt.ImmatureSignatureError:
        raise CredentialInvalid(f"the credential is not valid before {unverified.get('nbf')}") from None
    except jwt.InvalidTokenError as exc:
        raise CredentialInvalid(f"the JWT does not verify: {exc}") from None
    _check_claims(claims)
    return issuer, claims


def _issuer_key(token: str, issuer: str) -> ec.EllipticCurvePublicKey:
    """The public key that made the JWT's signature, if it is `issuer`'s: of the two keys an ECDSA
    signature can be recovered to, the one whose address is the issuer's."""
    signing_input, _, signature = token.rpartition(".")
    try:
        raw = _unb64url(signature)
    except ValueError:
        raw = b""
    if len(raw) != 64:
        raise CredentialInvalid(f"the JWT's signature is not 64 bytes (r, s) but {len(raw)}")
    digest = hashlib.sha256(signing_input.encode("ascii")).digest()
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    for v in (0, 1):
        try:
            public = Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest)
        except Exception:  # eth-keys rejects out-of-range values with several exception types
            continue
        if public.to_checksum_address() == issuer:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), b"\x04" + public.to_bytes())
    raise CredentialInvalid(f"the JWT is not signed by its issuer {issuer}")


def _check_claims(claims: Mapping[str, Any]) -> None:
    """The JWT's registered claims and its `vc` tell the same issuer, subject, id and dates."""
    vc = claims.get("vc")
    if not isinstance(vc, Mapping):
        raise CredentialInvalid("the JWT has no credential (vc claim)")
    if "issuer" in vc and _issuer_did(vc) != claims["iss"]:
        raise CredentialInvalid(f"the credential's issuer {_issuer_did(vc)!r} is not the JWT's iss")
    subject = vc.get("credentialSubject")
    if "sub" in claims and (not isinstance(subject, Mapping) or subject.get("id") != claims["sub"]):
        raise CredentialInvalid(f"the credential's subject is not the JWT's {claims['sub']!r}")
    if "jti" in claims and vc.get("id") != claims["jti"]:
        raise CredentialInvalid(f"the credential's id {vc.get('id')!r} is not the JWT's {claims['jti']!r}")
    if "validFrom" in vc and _seconds(vc["validFrom"], "validFrom") != claims["nbf"]:
        raise CredentialInvalid(f"the credential's validFrom {vc['validFrom']!r} is not the JWT's nbf")
    if "validUntil" in vc and _seconds(vc["validUntil"], "validUntil") != claims.get("exp"):
        raise CredentialInvalid(f"the credential's validUntil {vc['validUntil']!r} is not the JWT's exp")
