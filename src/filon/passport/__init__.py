"""Digital product passports of gold lots: schema, canonical hashing, Merkle root, selective disclosure.

A `Passport` is hashed as RFC 8785 canonical JSON (`passport_hash`); each of its top-level fields is a salted
leaf of an OpenZeppelin-compatible Merkle tree (`build_tree`) whose root goes on chain. `disclose` reveals
chosen fields with their proofs; `verify_disclosure_offline` checks them in Python, and the contract's
`verifyPassportLeaf` checks them on chain. Documents a passport cites live in a `DocumentStore` under
their CID, or in the store the supply chain shares (`RemoteStore`, an explorer's `/ipfs/`), which
`open_store` picks from a folder or a URL. See docs/passport.md and docs/store.md.

Exports: `passport_credential` (a UNTP Digital Product Passport 0.6.1 credential), secured by `credential_jwt`
or `sign_credential` and checked by `verify_credential`, and `epcis_document` (GS1 EPCIS 2.0 events). See
docs/credentials.md.
"""

from filon.passport._canonical import canonical_json, passport_hash
from filon.passport._carbon import CarbonFootprint, carbon_footprint
from filon.passport._disclosure import (
    DisclosedField,
    Disclosure,
    DisclosureMismatch,
    disclose,
    verify_disclosure_offline,
)
from filon.passport._dpp import UNTP_DPP_VERSION, passport_credential
from filon.passport._epcis import epcis_document
from filon.passport._merkle import PassportTree, build_tree, leaf_hash
from filon.passport._remote import (
    DocumentTampered,
    RemoteStore,
    StoreSync,
    StoreUnavailable,
    UploadRefused,
    open_store,
)
from filon.passport._schema import (
    CarbonEmissions,
    Document,
    DocumentType,
    Facility,
    GeoLocation,
    LotReference,
    MaterialInput,
    Party,
    Passport,
    Quantity,
    write_json_schema,
)
from filon.passport._store import (
    DocumentCorrupted,
    DocumentNotFound,
    DocumentStore,
    InvalidCid,
    StoredFile,
    cid_for_sha256,
)
from filon.passport._upload import UploadNotAuthenticated, UploadSignature, sign_upload
from filon.passport._vcjwt import CredentialInvalid, credential_jwt, sign_credential, verify_credential

__all__ = [
    "UNTP_DPP_VERSION",
    "CarbonEmissions",
    "CarbonFootprint",
    "CredentialInvalid",
    "DisclosedField",
    "Disclosure",
    "DisclosureMismatch",
    "Document",
    "DocumentCorrupted",
    "DocumentNotFound",
    "DocumentStore",
    "DocumentTampered",
    "DocumentType",
    "Facility",
    "GeoLocation",
    "InvalidCid",
    "LotReference",
    "MaterialInput",
    "Party",
    "Passport",
    "PassportTree",
    "Quantity",
    "RemoteStore",
    "StoreSync",
    "StoreUnavailable",
    "StoredFile",
    "UploadNotAuthenticated",
    "UploadRefused",
    "UploadSignature",
    "build_tree",
    "canonical_json",
    "carbon_footprint",
    "cid_for_sha256",
    "credential_jwt",
    "disclose",
    "epcis_document",
    "leaf_hash",
    "open_store",
    "passport_credential",
    "passport_hash",
    "sign_credential",
    "sign_upload",
    "verify_credential",
    "verify_disclosure_offline",
    "write_json_schema",
]
