"""Passport credentials: W3C VC 2.0 in UNTP DPP shape, signed and verified with an EIP-712 proof."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak

from filon._errors import FilonError, InvalidInput
from filon.passport._canonical import canonical_json
from filon.passport._exports import (
    CredentialInvalid,
    credential_typed_data,
    passport_credential,
    sign_credential,
    verify_credential,
)
from filon.passport._schema import (
    CarbonEmissions,
    Document,
    DocumentType,
    Facility,
    LotReference,
    Party,
    Passport,
    Quantity,
)

CHAIN_ID = 31337
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ISSUER: LocalAccount = Account.from_key("0x" + "11" * 32)
STRANGER: LocalAccount = Account.from_key("0x" + "22" * 32)
VALID_FROM = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
CREATED = datetime.datetime(2026, 3, 1, 12, 5, tzinfo=datetime.UTC)


def passport_json() -> dict[str, Any]:
    passport = Passport(
        lot=LotReference(lot_id=101, chain_id=CHAIN_ID, contract=CONTRACT, external_ref="ORE-7"),
        producer=Party(address=ISSUER.address, name="Cooperativa Minera Aurífera"),
        facility=Facility(mine_id=1, name="Pit 3", country="PE", region="Puno"),
        production_date=datetime.date(2026, 2, 14),
        quantity=Quantity(gross_mass_mg=50_000, fineness_ppt=800.0, fine_gold_mg=40_000),
        conformity=[
            Document(
                type=DocumentType.MINING_PERMIT,
                issuer="DREM Puno",
                date=datetime.date(2025, 1, 10),
                sha256="ab" * 32,
            )
        ],
        carbon=CarbonEmissions(kg_co2e=4.25, scope=[1, 2], method="GHG Protocol", boundary="mine gate"),
    )
    return passport.model_dump(mode="json")


def credential() -> dict[str, Any]:
    return passport_credential(
        passport_json(),
        issuer_address=ISSUER.address.lower(),
        lot_id=101,
        chain_id=CHAIN_ID,
        contract=CONTRACT.lower(),
        version=2,
        valid_from=VALID_FROM,
    )


def signed() -> dict[str, Any]:
    return sign_credential(credential(), ISSUER, created=CREATED)


def test_the_credential_has_the_vc_2_and_untp_dpp_shape() -> None:
    result = credential()

    lot = f"urn:filon:eip155:31337:{CONTRACT}:lot:101"
    assert result["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://test.uncefact.org/vocabulary/untp/dpp/0.5.0/",
    ]
    assert result["type"] == ["VerifiableCredential", "DigitalProductPassport"]
    assert result["id"] == f"{lot}:passport:2"
    assert result["issuer"] == {"type": ["CredentialIssuer"], "id": f"did:pkh:eip155:31337:{ISSUER.address}"}
    assert result["validFrom"] == "2026-03-01T12:00:00Z"
    assert result["credentialSubject"] == {"type": ["ProductPassport"], "id": lot, **passport_json()}


def test_the_proof_signs_the_keccak_of_the_canonical_credential() -> None:
    result = signed()

    proof = result["proof"]
    assert proof["type"] == "EthereumEip712Signature2021"
    assert proof["created"] == "2026-03-01T12:05:00Z"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"] == f"did:pkh:eip155:31337:{ISSUER.address}#blockchainAccountId"
    assert proof["eip712"]["domain"] == {
        "name": "Filon Passport Credential",
        "version": "1",
        "chainId": 31337,
    }
    assert proof["eip712"]["primaryType"] == "PassportCredential"
    assert proof["eip712"]["types"]["PassportCredential"] == [{"name": "credentialHash", "type": "bytes32"}]
    typed = copy.deepcopy(proof["eip712"])
    typed["message"] = {"credentialHash": keccak(canonical_json(credential()))}
    recovered = Account.recover_message(encode_typed_data(full_message=typed), signature=proof["proofValue"])
    assert recovered == ISSUER.address


def test_round_trip_returns_the_issuer() -> None:
    assert verify_credential(signed()) == ISSUER.address


def test_the_signed_credential_survives_json_and_key_order() -> None:
    import json

    text = json.dumps(signed(), sort_keys=False, indent=2)
    reordered = dict(reversed(list(json.loads(text).items())))

    assert verify_credential(reordered) == ISSUER.address


@pytest.mark.parametrize(
    "path",
    [
        ("id",),
        ("validFrom",),
        ("type", 1),
        ("@context", 1),
        ("credentialSubject", "quantity", "fine_gold_mg"),
        ("credentialSubject", "carbon", "kg_co2e"),
        ("credentialSubject", "conformity", 0, "sha256"),
        ("credentialSubject", "facility", "country"),
        ("credentialSubject", "id"),
    ],
)
def test_tampering_with_any_field_is_detected(path: tuple[str | int, ...]) -> None:
    tampered = signed()
    node: Any = tampered
    for key in path[:-1]:
        node = node[key]
    old = node[path[-1]]
    node[path[-1]] = old + 1 if isinstance(old, int | float) else old + "x"

    with pytest.raises(CredentialInvalid):
        verify_credential(tampered)


def test_an_added_field_is_detected() -> None:
    tampered = signed()
    tampered["credentialSubject"]["notes"] = "now conflict-free"

    with pytest.raises(CredentialInvalid):
        verify_credential(tampered)


def test_a_signature_by_someone_else_is_refused() -> None:
    forged = signed()
    signature = STRANGER.sign_typed_data(full_message=credential_typed_data(forged)).signature
    forged["proof"]["proofValue"] = "0x" + bytes(signature).hex()

    with pytest.raises(CredentialInvalid, match=f"signed by {STRANGER.address}, not by its issuer"):
        verify_credential(forged)


def test_a_credential_reissued_under_another_key_does_not_pass_as_the_original_issuer() -> None:
    forged = signed()
    forged["issuer"]["id"] = f"did:pkh:eip155:31337:{STRANGER.address}"

    with pytest.raises(CredentialInvalid):
        verify_credential(forged)


def test_only_the_issuer_can_sign() -> None:
    with pytest.raises(InvalidInput, match="cannot sign"):
        sign_credential(credential(), STRANGER)


@pytest.mark.parametrize(
    "damage",
    [
        lambda c: c.pop("proof"),
        lambda c: c.__setitem__("proof", "0x00"),
        lambda c: c["proof"].__setitem__("type", "Ed25519Signature2020"),
        lambda c: c["proof"].__setitem__("proofValue", "0x1234"),
        lambda c: c["proof"].__setitem__("proofValue", "0x" + "00" * 65),
        lambda c: c["proof"].__setitem__("verificationMethod", "did:example:123#key-1"),
        lambda c: c["proof"]["eip712"]["domain"].__setitem__("chainId", 1),
        lambda c: c.__setitem__("issuer", {"id": "did:web:example.com"}),
    ],
    ids=[
        "no proof",
        "proof not an object",
        "other proof type",
        "short signature",
        "unrecoverable signature",
        "other verification method",
        "other domain",
        "issuer not did:pkh",
    ],
)
def test_a_missing_or_malformed_proof_is_refused(damage: Any) -> None:
    broken = signed()
    damage(broken)

    with pytest.raises(CredentialInvalid) as caught:
        verify_credential(broken)

    assert isinstance(caught.value, FilonError)
    assert isinstance(caught.value, ValueError)


def test_a_passport_with_its_own_id_is_refused() -> None:
    with pytest.raises(InvalidInput, match="cannot have fields"):
        passport_credential(
            {"id": "x"},
            issuer_address=ISSUER.address,
            lot_id=1,
            chain_id=CHAIN_ID,
            contract=CONTRACT,
            version=1,
            valid_from=VALID_FROM,
        )


def test_a_naive_valid_from_is_refused() -> None:
    with pytest.raises(InvalidInput, match="timezone-aware"):
        passport_credential(
            {},
            issuer_address=ISSUER.address,
            lot_id=1,
            chain_id=CHAIN_ID,
            contract=CONTRACT,
            version=1,
            valid_from=datetime.datetime(2026, 1, 1),
        )
