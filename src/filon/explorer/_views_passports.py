"""The public layer of a lot's passport versions, as the lot page and `/api/lots/{id}` show it: each version's
published fields, read from its package in the document store and checked against the root recorded on chain
(`published_package`) before anything of it is shown; the fields it withholds, named; its confidential layer,
if any (only its CID and the names of the fields it holds); and the documents it cites, with a download link
when the store holds them."""

from __future__ import annotations

from collections.abc import Sequence

from filon._errors import PassportUnavailable
from filon._passports import PassportVersion, package_fields, published_package
from filon._types import LotId
from filon.explorer._models import PassportVersionOut
from filon.explorer._models_passports import (
    CitedDocumentOut,
    ConfidentialLayerOut,
    PassportFieldOut,
    PublishedOut,
)
from filon.passport import DocumentStore
from filon.passport._disclosure import DisclosureMismatch
from filon.passport._schema import Document
from filon.passport._store import cid_for_sha256

DOCUMENTS_PATH = "/documents/"


def public_layers(
    store: DocumentStore, lot_id: int, versions: Sequence[PassportVersionOut]
) -> list[PassportVersionOut]:
    """`versions` with the public layer of each (or a note saying why it cannot be shown)."""
    return [_public_layer(store, lot_id, version) for version in versions]


def _public_layer(store: DocumentStore, lot_id: int, out: PassportVersionOut) -> PassportVersionOut:
    entry = PassportVersion(LotId(lot_id), out.version, bytes.fromhex(out.root[2:]), out.uri)
    try:
        package = published_package(store, entry)
    except PassportUnavailable:
        # the error names the store's folder: a buyer is told only what is missing
        note = "Its package is not in this explorer's document store (or its URI is not an ipfs:// CID)."
        return out.model_copy(update={"published": None, "published_note": note})
    except DisclosureMismatch as error:
        note = (
            f"Its package does not check out against the root recorded on chain ({error.reason}): not shown."
        )
        return out.model_copy(update={"published": None, "published_note": note})
    fields = [
        PassportFieldOut(name=name, status="checked", value=package.fields[name].value)
        if name in package.fields
        else PassportFieldOut(name=name, status="withheld")
        for name in package_fields(package)
    ]
    layer = package.layer
    published = PublishedOut(
        fields=fields,
        documents=_documents(
            store, package.fields["conformity"].value if "conformity" in package.fields else []
        ),
        confidential_layer=ConfidentialLayerOut(cid=layer.cid, cipher=layer.cipher, fields=layer.fields)
        if layer is not None
        else None,
    )
    return out.model_copy(update={"published": published})


def _documents(store: DocumentStore, cited: object) -> list[CitedDocumentOut]:
    found = []
    for item in cited if isinstance(cited, list) else []:
        document = Document.model_validate(item)  # checked against the root: a valid citation
        cid = cid_for_sha256(document.sha256)
        found.append(
            CitedDocumentOut(
                type=document.type.value,
                issuer=document.issuer,
                date=document.date.isoformat(),
                name=document.name,
                sha256=document.sha256,
                cid=cid,
                download=DOCUMENTS_PATH + cid if store.has(cid) else None,
            )
        )
    return found
