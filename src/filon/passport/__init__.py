"""Digital product passports of gold lots: schema, canonical hashing, Merkle root, selective disclosure.

A `Passport` is hashed as RFC 8785 canonical JSON (`passport_hash`); each of its top-level fields is a salted
leaf of an OpenZeppelin-compatible Merkle tree (`build_tree`) whose root goes on chain. `disclose` reveals
chosen fields with their proofs; `verify_disclosure_offline` checks them in Python, and the contract's
`verifyPassportLeaf` checks them on chain. Documents a passport cites live in a `DocumentStore` under
their CID, or in the store the supply chain shares (`RemoteStore`, an explorer's `/ipfs/`), which
`open_store` picks from a folder or a URL. See docs/passport.md and docs/store.md.

Exports: `passport_credential` (a UNTP Digital Product Passport 0.6.1 credential) and `conformity_credential`
(an attester's UNTP Digital Conformity Credential 0.6.1), secured by `credential_jwt` or `sign_credential`
and checked by `verify_credential` / `credential_status` (revocation from the chain or a W3C Bitstring
Status List, `status_list_credential`), and `epcis_document` (GS1 EPCIS 2.0 events). See
docs/credentials.md.
"""

from filon.passport._canonical import canonical_json, passport_hash
from filon.passport._carbon import CarbonFootprint, carbon_footprint
from filon.passport._dcc import (
    UNTP_DCC_VERSION,
    Assessment,
    AttestationSubject,
    Evidence,
    Measure,
    conformity_credential,
    credential_hash,
)
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
from filon.passport._revocation import (
    CredentialExpired,
    CredentialInvalid,
    CredentialRevoked,
    CredentialStatus,
    UnanchoredCredential,
)
from filon.passport._schema import (
    SCHEMA_VERSIONS,
    Assay,
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
    Receipt,
    field_names,
    write_json_schema,
)
from filon.passport._status import (
    StatusListInvalid,
    StatusListUnavailable,
    fetch_status_list,
    status_list_credential,
    status_list_url,
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
from filon.passport._vcjwt import credential_jwt, credential_status, sign_credential, verify_credential

__all__ = [
    "SCHEMA_VERSIONS",
    "UNTP_DCC_VERSION",
    "UNTP_DPP_VERSION",
    "Assay",
    "Assessment",
    "AttestationSubject",
    "CarbonEmissions",
    "CarbonFootprint",
    "CredentialExpired",
    "CredentialInvalid",
    "CredentialRevoked",
    "CredentialStatus",
    "DisclosedField",
    "Disclosure",
    "DisclosureMismatch",
    "Document",
    "DocumentCorrupted",
    "DocumentNotFound",
    "DocumentStore",
    "DocumentTampered",
    "DocumentType",
    "Evidence",
    "Facility",
    "GeoLocation",
    "InvalidCid",
    "LotReference",
    "MaterialInput",
    "Measure",
    "Party",
    "Passport",
    "PassportTree",
    "Quantity",
    "Receipt",
    "RemoteStore",
    "StatusListInvalid",
    "StatusListUnavailable",
    "StoreSync",
    "StoreUnavailable",
    "StoredFile",
    "UnanchoredCredential",
    "UploadNotAuthenticated",
    "UploadRefused",
    "UploadSignature",
    "build_tree",
    "canonical_json",
    "carbon_footprint",
    "cid_for_sha256",
    "conformity_credential",
    "credential_hash",
    "credential_jwt",
    "credential_status",
    "disclose",
    "epcis_document",
    "fetch_status_list",
    "field_names",
    "leaf_hash",
    "open_store",
    "passport_credential",
    "passport_hash",
    "sign_credential",
    "sign_upload",
    "status_list_credential",
    "status_list_url",
    "verify_credential",
    "verify_disclosure_offline",
    "write_json_schema",
]
