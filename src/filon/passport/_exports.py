"""Standard exports of a passport and of a lot's history.

- `passport_credential`, `sign_credential`, `verify_credential`: the passport as a W3C Verifiable
  Credential 2.0 in the shape of a UN Transparency Protocol Digital Product Passport, signed by its
  issuer's Ethereum key with an EIP-712 proof (`EthereumEip712Signature2021` style).
- `epcis_document`: a lot's on-chain history as a GS1 EPCIS 2.0 JSON-LD document.

The proof signs one EIP-712 message, `PassportCredential(bytes32 credentialHash)`, in the domain
`{name: "Filon Passport Credential", version: "1", chainId}` (the chain of the issuer's `did:pkh`), where
`credentialHash` is the keccak-256 of the RFC 8785 canonical JSON of the credential without its `proof`.
So every byte of the credential is signed, a wallet shows the signer what it signs, and a contract can
check the signature with `ecrecover` given the hash. `proof.created` is informative and not signed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.address import is_hex_address, to_checksum_address
from eth_utils.crypto import keccak

from filon._errors import FilonError, InvalidInput
from filon._types import Consumed, Declared, HistoryEvent, Lot, LotId, Produced, Transferred
from filon.passport._canonical import canonical_json

__all__ = [
    "CREDENTIAL_CONTEXT",
    "EPCIS_CONTEXT",
    "CredentialInvalid",
    "credential_typed_data",
    "epcis_document",
    "lot_urn",
    "passport_credential",
    "sign_credential",
    "verify_credential",
]

CREDENTIAL_CONTEXT = (
    "https://www.w3.org/ns/credentials/v2",
    "https://test.uncefact.org/vocabulary/untp/dpp/0.5.0/",
)
"""The JSON-LD contexts of a passport credential: VC Data Model 2.0, then UNTP DPP 0.5.0."""

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
"""The JSON-LD context of an EPCIS 2.0 document."""

PROOF_TYPE = "EthereumEip712Signature2021"
DOMAIN_NAME = "Filon Passport Credential"
DOMAIN_VERSION = "1"
PRIMARY_TYPE = "PassportCredential"
CREDENTIAL_TYPES: dict[str, list[dict[str, str]]] = {
    "EIP712Domain": [
        {"name": "name", "type": "string"},
        {"name": "version", "type": "string"},
        {"name": "chainId", "type": "uint256"},
    ],
    PRIMARY_TYPE: [{"name": "credentialHash", "type": "bytes32"}],
}
"""The EIP-712 types of a credential proof."""

_DID_PKH = re.compile(r"did:pkh:eip155:([1-9][0-9]*):(0x[0-9a-fA-F]{40})")
_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")


class CredentialInvalid(FilonError, ValueError):
    """A signed passport credential does not verify: no or malformed proof, wrong signer, or altered."""


# ----------------------------------------------------------------------------- identifiers


def _address(value: str, name: str) -> str:
    if isinstance(value, str) and is_hex_address(value):
        return str(to_checksum_address(value))
    raise InvalidInput(f"{name} must be a 0x-prefixed 20-byte address, got {value!r}")


def _chain_id(value: int) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise InvalidInput(f"chain_id must be a positive int, got {value!r}")


def did_pkh(chain_id: int, address: str) -> str:
    """The `did:pkh` (CAIP-10) identifier of an Ethereum account: `did:pkh:eip155:<chainId>:<address>`."""
    return f"did:pkh:eip155:{_chain_id(chain_id)}:{_address(address, 'address')}"


def lot_urn(chain_id: int, contract: str, lot_id: int) -> str:
    """The URI of a lot: `urn:filon:eip155:<chainId>:<FilonLots address>:lot:<id>`."""
    return f"urn:filon:eip155:{_chain_id(chain_id)}:{_address(contract, 'contract')}:lot:{lot_id}"


def _timestamp(value: datetime, name: str) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(f"{name} must be a timezone-aware datetime, got {value!r}")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ----------------------------------------------------------------------------- verifiable credential


def passport_credential(
    passport_json: Mapping[str, Any],
    *,
    issuer_address: str,
    lot_id: int,
    chain_id: int,
    contract: str,
    version: int,
    valid_from: datetime,
) -> dict[str, Any]:
    """The passport as an unsigned W3C Verifiable Credential 2.0 shaped as a UNTP Digital Product Passport.

    The credential's subject is the lot (`id` its URN, `type` `ProductPassport`) with every field of the
    passport; the credential's own `id` names this passport version of this lot.

    Args:
        passport_json: The passport's JSON data (`Passport.model_dump(mode="json")`).
        issuer_address: The Ethereum account that issues (and will sign) the credential.
        lot_id: The lot the passport describes.
        chain_id: The chain of the `FilonLots` deployment (also the issuer DID's chain).
        contract: The `FilonLots` address.
        version: The passport version recorded on chain (1, 2, ...).
        valid_from: When the credential becomes valid (timezone-aware).

    Returns:
        The credential, ready for `sign_credential`.

    Raises:
        InvalidInput: An address, the chain id, the date or the passport (not a JSON object, or one with
            its own `id` or `type`) is unusable.
    """
    if not isinstance(passport_json, Mapping):
        raise InvalidInput(f"passport_json must be a JSON object, got {type(passport_json).__name__}")
    clashes = sorted({"id", "type"} & set(passport_json))
    if clashes:
        raise InvalidInput(f"the passport cannot have fields {clashes}: the credential subject sets them")
    subject = lot_urn(chain_id, contract, lot_id)
    return {
        "@context": list(CREDENTIAL_CONTEXT),
        "type": ["VerifiableCredential", "DigitalProductPassport"],
        "id": f"{subject}:passport:{version}",
        "issuer": {"type": ["CredentialIssuer"], "id": did_pkh(chain_id, issuer_address)},
        "validFrom": _timestamp(valid_from, "valid_from"),
        "credentialSubject": {"type": ["ProductPassport"], "id": subject, **passport_json},
    }


def _issuer(credential: Mapping[str, Any]) -> tuple[int, str]:
    """The chain id and address of the credential's `did:pkh` issuer."""
    issuer = credential.get("issuer")
    did = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    match = _DID_PKH.fullmatch(did) if isinstance(did, str) else None
    if match is None:
        raise CredentialInvalid(f"the issuer is not a did:pkh:eip155 identifier: {did!r}")
    return int(match[1]), str(to_checksum_address(match[2]))


def credential_typed_data(credential: Mapping[str, Any]) -> dict[str, Any]:
    """The EIP-712 typed data a credential's proof signs (any `proof` it carries is left out).

    Args:
        credential: The credential; its issuer must be a `did:pkh:eip155` DID, whose chain is the domain's.

    Returns:
        Full EIP-712 typed data (`types`, `primaryType`, `domain`, `message`), as wallets take it.

    Raises:
        CredentialInvalid: The issuer is not a `did:pkh:eip155` DID, or the credential has no RFC 8785 form.
    """
    chain_id, _ = _issuer(credential)
    unsigned = {key: value for key, value in credential.items() if key != "proof"}
    try:
        digest = keccak(canonical_json(unsigned))
    except InvalidInput as exc:
        raise CredentialInvalid(str(exc)) from None
    return {
        "types": CREDENTIAL_TYPES,
        "primaryType": PRIMARY_TYPE,
        "domain": {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": chain_id},
        "message": {"credentialHash": digest},
    }


def _eip712_description(typed_data: Mapping[str, Any]) -> dict[str, Any]:
    """What the proof states about what was signed (the message itself is recomputed, never read)."""
    return {
        "domain": dict(typed_data["domain"]),
        "types": {name: [dict(f) for f in fields] for name, fields in typed_data["types"].items()},
        "primaryType": typed_data["primaryType"],
    }


def sign_credential(
    credential: Mapping[str, Any], account: LocalAccount, *, created: datetime | None = None
) -> dict[str, Any]:
    """Signs a passport credential as its issuer, adding an EIP-712 `proof`.

    Args:
        credential: The credential from `passport_credential` (a `proof` it carries is replaced).
        account: The issuer's account; its address must be the issuer DID's.
        created: The proof's creation time (now by default); informative, not signed.

    Returns:
        A new dict: the credential with its `proof`.

    Raises:
        InvalidInput: The account is not the credential's issuer, or `created` is naive.
        CredentialInvalid: The issuer is not a `did:pkh:eip155` DID, or the credential has no RFC 8785 form.
    """
    _, issuer = _issuer(credential)
    if to_checksum_address(account.address) != issuer:
        raise InvalidInput(f"{account.address} cannot sign a credential issued by {issuer}")
    typed_data = credential_typed_data(credential)
    signature = account.sign_typed_data(full_message=typed_data).signature
    did = credential["issuer"]["id"] if isinstance(credential["issuer"], Mapping) else credential["issuer"]
    proof = {
        "type": PROOF_TYPE,
        "created": _timestamp(created or datetime.now(UTC), "created"),
        "proofPurpose": "assertionMethod",
        "verificationMethod": f"{did}#blockchainAccountId",
        "proofValue": "0x" + bytes(signature).hex(),
        "eip712": _eip712_description(typed_data),
    }
    unsigned = {key: value for key, value in credential.items() if key != "proof"}
    return {**unsigned, "proof": proof}


def verify_credential(signed: Mapping[str, Any]) -> str:
    """Checks a signed passport credential and returns who signed it.

    The signature is checked against the credential as it is now (every field but `proof`), in the
    domain of the issuer DID's chain; the proof's own `eip712` description must be the expected one.

    Args:
        signed: The credential with its `proof`.

    Returns:
        The checksummed address that signed it, which is the issuer's.

    Raises:
        CredentialInvalid: The proof is missing or malformed, the issuer is not a `did:pkh:eip155` DID,
            the signer is not the issuer, or any part of the credential changed since it was signed.
    """
    if not isinstance(signed, Mapping):
        raise CredentialInvalid(f"a credential is a JSON object, not {type(signed).__name__}")
    proof = signed.get("proof")
    if not isinstance(proof, Mapping):
        raise CredentialInvalid("the credential has no proof")
    if proof.get("type") != PROOF_TYPE:
        raise CredentialInvalid(f"the proof is of type {proof.get('type')!r}, not {PROOF_TYPE!r}")
    chain_id, issuer = _issuer(signed)
    if proof.get("verificationMethod") != f"did:pkh:eip155:{chain_id}:{issuer}#blockchainAccountId":
        raise CredentialInvalid(f"the proof's verification method is not the issuer's: {proof!r}")
    value = proof.get("proofValue")
    if not isinstance(value, str) or _SIGNATURE.fullmatch(value) is None:
        raise CredentialInvalid(f"the proof value is not a 65-byte hex signature: {value!r}")
    typed_data = credential_typed_data(signed)
    if proof.get("eip712") != _eip712_description(typed_data):
        raise CredentialInvalid(f"the proof describes other EIP-712 data: {proof.get('eip712')!r}")
    try:
        signer = Account.recover_message(encode_typed_data(full_message=typed_data), signature=value)
    except Exception as exc:  # eth-keys rejects malformed signatures with several exception types
        raise CredentialInvalid(f"the proof's signature cannot be recovered: {exc}") from None
    if signer != issuer:
        raise CredentialInvalid(f"the credential was signed by {signer}, not by its issuer {issuer}")
    return str(signer)


# ----------------------------------------------------------------------------- EPCIS


def epcis_document(
    history: Sequence[HistoryEvent],
    *,
    chain_id: int,
    contract: str,
    lots: Mapping[LotId, Lot] | Mapping[int, Lot],
    block_times: Mapping[int, datetime],
    created: datetime | None = None,
) -> dict[str, Any]:
    """A lot's history as a GS1 EPCIS 2.0 JSON-LD document.

    - `Declared`: an `ObjectEvent`, action `ADD`, bizStep `commissioning`, at the mine (`bizLocation`),
      owned by the holder it was minted to.
    - `Transferred`: an `ObjectEvent`, action `OBSERVE`, bizStep `shipping`, from the old owning party to
      the new one (`did:pkh` identifiers).
    - `Consumed` and `Produced` entries of one transaction: one `TransformationEvent` whose inputs are the
      consumed lots (and the parents of produced ones) and whose outputs are the produced lots (and the
      outputs of consumed ones), with quantities of fine gold in grams (`uom` `GRM`) for every lot whose
      fine gold is known (from the event or `lots`).
    - `PassportRecorded`: not exported; EPCIS records physical events, the passport credential is the
      export of passport versions.

    Several histories may be concatenated (e.g. of a lot and its ancestors): entries are sorted by block
    and log index, and an entry given twice is exported once.

    Args:
        history: The entries (`Client.history` of one or several lots).
        chain_id: The chain of the deployment.
        contract: The `FilonLots` address.
        lots: Known lots by id (e.g. `Provenance.lots`), for the fine gold of consumed lots.
        block_times: The timestamp of every block the entries are in (history carries block numbers only).
        created: The document's `creationDate` (now by default).

    Returns:
        The EPCIS document, ready for `json.dumps`.

    Raises:
        InvalidInput: A block has no time, a time is naive, or the chain id or contract is unusable.
    """
    prefix = f"urn:filon:eip155:{_chain_id(chain_id)}:{_address(contract, 'contract')}"
    ordered = sorted(
        {
            (e.block_number, e.log_index, e.transaction_hash, e.lot_id, type(e).__name__): e for e in history
        }.values(),
        key=lambda e: (e.block_number, e.log_index),
    )
    transformations: dict[str, list[Consumed | Produced]] = {}
    for entry in ordered:
        if isinstance(entry, Consumed | Produced):
            transformations.setdefault(entry.transaction_hash, []).append(entry)

    def when(entry: HistoryEvent) -> dict[str, str]:
        if entry.block_number not in block_times:
            raise InvalidInput(f"no time given for block {entry.block_number}")
        return {
            "eventTime": _timestamp(block_times[entry.block_number], f"block_times[{entry.block_number}]"),
            "eventTimeZoneOffset": "+00:00",
        }

    def lot(lot_id: int) -> str:
        return f"{prefix}:lot:{lot_id}"

    def party(address: str) -> str:
        return did_pkh(chain_id, address)

    events: list[dict[str, Any]] = []
    for entry in ordered:
        event_id = f"{prefix}:tx:{entry.transaction_hash}:log:{entry.log_index}"
        if isinstance(entry, Declared):
            events.append(
                {
                    "type": "ObjectEvent",
                    **when(entry),
                    "eventID": event_id,
                    "epcList": [lot(entry.lot_id)],
                    "action": "ADD",
                    "bizStep": "commissioning",
                    "disposition": "active",
                    "bizLocation": {"id": f"{prefix}:mine:{entry.mine_id}"},
                    "destinationList": [{"type": "owning_party", "destination": party(entry.holder)}],
                }
            )
        elif isinstance(entry, Transferred):
            events.append(
                {
                    "type": "ObjectEvent",
                    **when(entry),
                    "eventID": event_id,
                    "epcList": [lot(entry.lot_id)],
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                    "sourceList": [{"type": "owning_party", "source": party(entry.from_address)}],
                    "destinationList": [{"type": "owning_party", "destination": party(entry.to_address)}],
                }
            )
        elif isinstance(entry, Consumed | Produced):
            group = transformations.pop(entry.transaction_hash, None)
            if group is not None:  # the first entry of its transaction stands for the whole transformation
                events.append(
                    _transformation(group, f"{prefix}:tx:{entry.transaction_hash}", when, lot, lots)
                )
        # PassportRecorded entries are not exported (see above)
    return {
        "@context": EPCIS_CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _timestamp(created or datetime.now(UTC), "created"),
        "epcisBody": {"eventList": events},
    }


def _transformation(
    group: Sequence[Consumed | Produced],
    event_id: str,
    when: Callable[[HistoryEvent], dict[str, str]],
    lot: Callable[[int], str],
    lots: Mapping[LotId, Lot] | Mapping[int, Lot],
) -> dict[str, Any]:
    fine_gold = {int(lot_id): known.fine_gold_mg for lot_id, known in lots.items()}
    inputs: set[int] = set()
    outputs: set[int] = set()
    for entry in group:
        if isinstance(entry, Consumed):
            inputs.add(entry.lot_id)
            outputs.update(entry.outputs)
        else:
            outputs.add(entry.lot_id)
            inputs.update(entry.parents)
    for entry in group:
        if isinstance(entry, Produced):
            fine_gold[entry.lot_id] = entry.fine_gold_mg

    def quantities(ids: set[int]) -> list[dict[str, Any]]:
        return [
            {"epcClass": lot(i), "quantity": fine_gold[i] / 1000, "uom": "GRM"}
            for i in sorted(ids)
            if i in fine_gold
        ]

    return {
        "type": "TransformationEvent",
        **when(group[0]),
        "eventID": event_id,
        "inputEPCList": [lot(i) for i in sorted(inputs)],
        "inputQuantityList": quantities(inputs),
        "outputEPCList": [lot(i) for i in sorted(outputs)],
        "outputQuantityList": quantities(outputs),
        "bizStep": "commissioning",
        "disposition": "active",
    }
