"""Passports on chain: publish, fetch and check a version, verify a document or a disclosure, roll up carbon.

What goes on chain is a passport's Merkle root and a URI. The URI is `ipfs://<CID>` of the *published
package*: a `Disclosure` of the fields the holder makes public (all of them unless told otherwise), kept in
the `DocumentStore` beside the documents the passport cites. The salts of every field are the holder's
secret: they are kept in the holder's local salt folder, so that it can disclose withheld fields later.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from filon._errors import InvalidInput, PassportUnavailable, PassportWithheld
from filon._types import Consumed, Declared, HistoryEvent, Lot, LotId, PassportRecorded, Produced, Provenance
from filon.passport._carbon import CarbonFootprint, carbon_footprint
from filon.passport._disclosure import Disclosure, DisclosureMismatch, disclose, verify_disclosure_offline
from filon.passport._layers import LayerReference, seal_layer
from filon.passport._merkle import build_tree, field_names
from filon.passport._schema import SCHEMA_VERSIONS, Document, Passport
from filon.passport._store import DocumentCorrupted, DocumentNotFound, DocumentStore, InvalidCid


class LotReader(Protocol):
    """What the passport checks read about lots: a `Client` (from the chain) or an `Index` (from SQL)."""

    def lot(self, lot_id: LotId) -> Lot: ...

    def history(self, lot_id: LotId) -> list[HistoryEvent]: ...

    def provenance(self, lot_id: LotId) -> Provenance: ...


URI_SCHEME = "ipfs://"


@dataclass(frozen=True)
class PreparedPassport:
    """A passport ready to go on chain: its root, the URI of its published package, and its secret salts.

    Attributes:
        root: The Merkle root to record on chain.
        uri: `ipfs://<CID>` of the published package.
        cid: The package's CID in the document store.
        salts: Every field's salt: the holder's secret, needed to disclose withheld fields later.
        document_cids: The CID of each document stored with it, by the name it was given.
        content_key: The key of its confidential layer (the withheld fields, encrypted), None when every
            field is public: a secret of the holder, kept beside the salts.
    """

    root: bytes
    uri: str
    cid: str
    salts: Mapping[str, bytes]
    document_cids: Mapping[str, str]
    content_key: bytes | None = None


@dataclass(frozen=True)
class PassportVersion:
    """One recorded version of a lot's passport.

    Attributes:
        lot_id: The lot.
        version: The version number (1 for the passport a lot was declared or produced with).
        root: Its Merkle root, as recorded on chain.
        uri: The URI recorded with it.
    """

    lot_id: LotId
    version: int
    root: bytes
    uri: str


@dataclass(frozen=True)
class DocumentMatch:
    """Where a lot's passport cites a document.

    Attributes:
        lot_id: The lot.
        version: The latest passport version citing the document.
        field: The passport field citing it (`conformity`).
        index: Its position in that field's list.
        document: The citation (type, issuer, date, SHA-256, URI).
    """

    lot_id: LotId
    version: int
    field: str
    index: int
    document: Document


def prepare_passport(
    passport: Passport,
    store: DocumentStore,
    documents: Mapping[str, bytes] | None = None,
    *,
    public_fields: Sequence[str] | None = None,
    readers: Mapping[str, bytes] | None = None,
) -> PreparedPassport:
    """Stores a passport's documents and its published package, and builds its root with fresh salts.

    The fields not public go, with their salts, into one confidential layer encrypted under a fresh content
    key (`filon.passport._layers`), stored beside the package, which references it.

    Args:
        passport: The passport.
        store: Where the documents and the package go. A shared store uploads the package, and the
            documents too unless `public_fields` withholds `conformity` (then they stay in its cache).
        documents: The documents to store, by name; each must be cited (by SHA-256) in `passport.conformity`.
        public_fields: The fields the package discloses; None discloses every field.
        readers: Public encryption keys by address: the layer's content key is wrapped to each in the layer.

    Returns:
        The root and URI to record on chain, and the salts and content key to keep.

    Raises:
        InvalidInput: A document is not cited by the passport, or a field name is unknown.
    """
    cited = {doc.sha256 for doc in passport.conformity}
    document_cids: dict[str, str] = {}
    for name, data in (documents or {}).items():
        digest = hashlib.sha256(data).hexdigest()
        if digest not in cited:
            raise InvalidInput(
                f"Document {name!r} (SHA-256 {digest}) is not cited in the passport's conformity evidence."
            )
    fields = list(field_names(passport.schema_version)) if public_fields is None else list(public_fields)
    tree = build_tree(passport)
    package = disclose(passport, tree.salts, fields)  # checks the field names before anything is stored
    # Documents are cited only by `conformity`: when it is withheld, a shared store keeps them here.
    share = "conformity" in fields
    for name, data in (documents or {}).items():
        document_cids[name] = store.put(data, share=share)
    withheld = [name for name in field_names(passport.schema_version) if name not in fields]
    content_key = None
    if withheld:
        layer = seal_layer(passport, tree.salts, withheld, tree.root, readers)
        reference = LayerReference(cid=store.put(layer.data), fields=withheld)
        package = package.model_copy(update={"layer": reference})
        content_key = layer.content_key
    cid = store.put(package.model_dump_json().encode())
    return PreparedPassport(
        root=tree.root,
        uri=URI_SCHEME + cid,
        cid=cid,
        salts=dict(tree.salts),
        document_cids=document_cids,
        content_key=content_key,
    )


def versions(reader: LotReader, lot_id: LotId) -> list[PassportVersion]:
    """Every recorded passport version of a lot, oldest first, from its events."""
    return versions_in(lot_id, reader.history(lot_id))


def versions_in(lot_id: LotId, history: Iterable[HistoryEvent]) -> list[PassportVersion]:
    """Every passport version a lot's history (already read) records, oldest first."""
    found: list[PassportVersion] = []
    for event in history:
        if isinstance(event, Declared | Produced):
            found.append(PassportVersion(lot_id, 1, event.passport_root, event.passport_uri))
        elif isinstance(event, PassportRecorded):
            found.append(PassportVersion(lot_id, event.version, event.passport_root, event.passport_uri))
    return found


def pick_version(reader: LotReader, lot_id: LotId, version: int | None) -> PassportVersion:
    """The requested version of a lot's passport (None: the latest).

    Raises:
        InvalidInput: The lot has no such version.
    """
    recorded = versions(reader, lot_id)
    if version is None:
        return recorded[-1]
    for entry in recorded:
        if entry.version == version:
            return entry
    raise InvalidInput(f"Lot {lot_id} has passport versions 1 to {len(recorded)}, not {version}.")


def published_package(
    store: DocumentStore, entry: PassportVersion, fields: Collection[str] | None = None
) -> Disclosure:
    """The published package of a passport version, checked against the root recorded on chain: every
    field, or only those of `fields` (the ones the caller reads), and then it holds only those.

    Raises:
        PassportUnavailable: The URI is not an `ipfs://` CID, or the package is not in the store.
        DisclosureMismatch: The package does not prove its fields against the recorded root.
    """
    if not entry.uri.startswith(URI_SCHEME):
        raise PassportUnavailable(
            f"Lot {entry.lot_id} passport version {entry.version} is at {entry.uri!r}, not an ipfs:// CID"
        )
    cid = entry.uri.removeprefix(URI_SCHEME)
    try:
        data = store.get(cid)
    except (InvalidCid, DocumentCorrupted) as error:
        raise PassportUnavailable(
            f"Lot {entry.lot_id} passport version {entry.version} cannot be read from {entry.uri}: {error}"
        ) from None
    except DocumentNotFound:
        raise PassportUnavailable(
            f"Lot {entry.lot_id} passport version {entry.version} ({cid}) is not in the document store "
            f"{store.location}"
        ) from None
    try:
        package = Disclosure.model_validate_json(data)
    except ValueError:
        raise DisclosureMismatch(None, f"the package at {entry.uri} is not a passport disclosure") from None
    if isinstance(fields, str):  # a name, not a collection of names: "carbon" would test substrings
        raise TypeError("fields must be a collection of field names, not one string")
    verify_disclosure_offline(package, entry.root, fields)
    if fields is None:
        return package
    # Only what was checked: a later reader of another field must not get a value nobody verified.
    checked = {name: field for name, field in package.fields.items() if name in fields}
    return package.model_copy(update={"fields": checked})


def fields_of(package: Disclosure) -> tuple[str, ...]:
    """The fields of a published package's passport: those of its schema version. A package that withholds
    its version is taken for the oldest version that has every field it publishes (a 1.1 package that
    withholds both its version and its receipt cannot be told from a 1.0 one)."""
    published = package.fields.get("schema_version")
    if published is not None:
        return field_names(str(published.value))
    return next(
        names
        for names in (field_names(version) for version in SCHEMA_VERSIONS)
        if set(package.fields) <= set(names)
    )


def passport_of(package: Disclosure, entry: PassportVersion) -> Passport:
    """The full passport of a checked package.

    Raises:
        PassportWithheld: Some fields were not published.
    """
    names = fields_of(package)
    missing = [name for name in names if name not in package.fields]
    if missing:
        raise PassportWithheld(
            f"Lot {entry.lot_id} passport version {entry.version} withholds {', '.join(missing)}",
            disclosed=list(package.fields),
            withheld=missing,
        )
    return Passport.model_validate({name: package.fields[name].value for name in names})


def find_document(
    reader: LotReader, store: DocumentStore, lot_id: LotId, data: bytes
) -> DocumentMatch | None:
    """The latest passport version of `lot_id` whose published conformity evidence cites `data`, or None."""
    digest = hashlib.sha256(data).hexdigest()
    for entry in reversed(versions(reader, lot_id)):
        try:
            package = published_package(store, entry)
        except PassportUnavailable:
            continue
        evidence = package.fields.get("conformity")
        if evidence is None or not isinstance(evidence.value, list):
            continue
        for index, item in enumerate(evidence.value):
            if isinstance(item, dict) and item.get("sha256") == digest:
                return DocumentMatch(
                    lot_id, entry.version, "conformity", index, Document.model_validate(item)
                )
    return None


def check_disclosure(
    reader: LotReader,
    verify_leaf: Callable[[LotId, bytes, Sequence[bytes]], bool],
    disclosure: Disclosure,
) -> None:
    """Checks a disclosure against the root recorded on chain for its lot and version, and, for the current
    version, asks the contract (`verify_leaf`: its `verifyPassportLeaf`) about every disclosed field.

    Raises:
        InvalidInput: The disclosure names no lot or no version.
        DisclosureMismatch: Its root is not the recorded one, or a field does not check out.
    """
    if disclosure.lot_id is None or disclosure.version is None:
        raise InvalidInput("The disclosure must name its lot_id and version to be checked against the chain")
    lot_id = LotId(disclosure.lot_id)
    entry = pick_version(reader, lot_id, disclosure.version)
    verify_disclosure_offline(disclosure, entry.root)
    if disclosure.version == reader.lot(lot_id).passport_version:
        for name in disclosure.fields:
            if not verify_leaf(lot_id, disclosure.leaf(name), disclosure.proof(name)):
                raise DisclosureMismatch(name, "the contract's verifyPassportLeaf rejects its proof")


def footprint(reader: LotReader, store: DocumentStore, lot_id: LotId) -> CarbonFootprint:
    """The embodied carbon of a lot over its provenance, from each lot's latest published passport."""
    provenance = reader.provenance(lot_id)
    parents: dict[int, list[int]] = {}
    for parent, child in provenance.edges:
        parents.setdefault(int(child), []).append(int(parent))
    emissions: dict[int, float] = {}
    outputs: dict[int, list[int]] = {}
    for ancestor in provenance.lots:
        for event in reader.history(ancestor):
            if isinstance(event, Consumed):
                outputs[int(ancestor)] = [int(out) for out in event.outputs]
        try:
            entry = pick_version(reader, ancestor, None)
            carbon = published_package(store, entry, ("carbon",)).fields.get("carbon")
        except PassportUnavailable:
            continue
        if carbon is not None and isinstance(carbon.value, dict):
            emissions[int(ancestor)] = float(carbon.value["kg_co2e"])  # type: ignore[arg-type]
    fine_gold = {int(i): lot.fine_gold_mg for i, lot in provenance.lots.items()}
    # Siblings of an ancestor (other outputs of the same transformation) share its inputs by fine gold.
    for sibling in {out for outs in outputs.values() for out in outs} - fine_gold.keys():
        fine_gold[sibling] = reader.lot(LotId(sibling)).fine_gold_mg
    return carbon_footprint(
        lot_id,
        provenance_edges=parents,
        fine_gold_mg=fine_gold,
        own_emissions_kg=emissions,
        mine_of={
            int(i): (int(lot.mine_id) if lot.mine_id is not None else None)
            for i, lot in provenance.lots.items()
        },
        outputs_of_transformation=outputs,
    )
