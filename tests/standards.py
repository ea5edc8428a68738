"""Checks of Filón's exports by the standards alone, with no Filón code: the published JSON Schemas (vendored
in tests/passport/schemas, see its README), and VC-JWT verification by an independent JOSE library (joserfc)
and by the JavaScript did:pkh / JWT-VC libraries (did-jwt, did-jwt-vc).

`import standards` works from every test module (tests/ is on sys.path, as for `servers`). Formats are
checked (`uri`, `date`, `date-time`, through rfc3986-validator and rfc3339-validator), not only shapes.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from Crypto.Hash import keccak
from joserfc import jwk as jose_jwk
from joserfc import jwt as jose_jwt

SCHEMAS = Path(__file__).parent / "passport" / "schemas"


@cache
def _validator(name: str, kind: type[jsonschema.protocols.Validator]) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    kind.check_schema(schema)
    return kind(schema, format_checker=kind.FORMAT_CHECKER)


def untp_dpp_errors(credential: Any) -> list[str]:
    """What the UNTP Digital Product Passport 0.6.1 JSON Schema finds wrong in `credential` (empty: valid)."""
    validator = _validator("untp-dpp-0.6.1.json", jsonschema.Draft202012Validator)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(credential)]


def untp_dcc_errors(credential: Any) -> list[str]:
    """What the UNTP Digital Conformity Credential 0.6.1 JSON Schema finds wrong in `credential` (empty:
    valid)."""
    validator = _validator("untp-dcc-0.6.1.json", jsonschema.Draft202012Validator)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(credential)]


def epcis_errors(document: Any) -> list[str]:
    """What GS1's EPCIS 2.0 JSON Schema finds wrong in `document` (empty: valid)."""
    validator = _validator("epcis-2.0.json", jsonschema.Draft7Validator)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def jwk_address(jwk: Mapping[str, str]) -> str:
    """The Ethereum address of a secp256k1 JWK, in EIP-55 case: the last 20 bytes of keccak-256(x || y)."""
    raw = b"".join(base64.urlsafe_b64decode(jwk[c] + "=" * (-len(jwk[c]) % 4)) for c in ("x", "y"))
    digest = keccak.new(digest_bits=256, data=raw).hexdigest()[-40:]
    checksum = keccak.new(digest_bits=256, data=digest.encode()).hexdigest()
    return "0x" + "".join(c.upper() if int(checksum[i], 16) >= 8 else c for i, c in enumerate(digest))


def verify_vc_jwt_independently(token: str) -> tuple[str, dict[str, Any]]:
    """Verifies a VC-JWT as a third party would without Filón: joserfc checks the ES256K signature with the
    header's `jwk`, after checking that the key's address is the one of the `did:pkh` in `iss` (and `kid`).

    Returns:
        The issuer's address and the JWT's claims.
    """
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=" * (-len(token.split(".")[0]) % 4)))
    verified = jose_jwt.decode(token, jose_jwk.ECKey.import_key(header["jwk"]), algorithms=["ES256K"])
    did = verified.claims["iss"]
    address = did.split(":")[4]
    assert header["kid"] == f"{did}#blockchainAccountId"
    assert jwk_address(header["jwk"]) == address, "the JWT's key is not the did:pkh account's"
    jose_jwt.JWTClaimsRegistry(iss={"essential": True, "value": did}, nbf={"essential": True}).validate(
        verified.claims
    )
    return address, dict(verified.claims)


DID_JWT_VERIFIER = Path(__file__).parent / "passport" / "verify_vc_jwt.mjs"


def verify_with_did_jwt(token: str) -> dict[str, Any]:
    """Verifies a VC-JWT with the JavaScript libraries counterparties deploy (did-jwt, did-jwt-vc and the
    did:pkh resolver, pinned in package.json): what they verified (`issuer`, `signer`, `id`, `subject`), or
    their `error`."""
    done = subprocess.run(
        ["node", str(DID_JWT_VERIFIER)], input=token, capture_output=True, text=True, timeout=60, check=True
    )
    found: dict[str, Any] = json.loads(done.stdout)
    return found
