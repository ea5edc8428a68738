"""`Confidential`: the client's side of confidential passport layers: its encryption key, the content keys it
can reach (its own, wrapped to it in a layer, or granted to it), grants and revocations, and reading a whole
passport with every field checked against the chain.

The byte formats and constructions are in `filon.passport._layers` and docs/passport.md. A content key is
reached in this order: the holder's own secret folder (it published the version); the layer's recipients
(readers standing when the version was published); the grant files of the standing grants to the account
on that lot (each fetched by the SHA-256 anchored on chain, so a file that is not the anchored one is
refused).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from filon import _checks as check
from filon import _passports
from filon._access import Access
from filon._contract import Contract
from filon._errors import AccountRequired, FilonError, PassportWithheld
from filon._passports import PassportVersion
from filon._reads import LogReads
from filon._salts import SaltFolder
from filon._types import LotId
from filon.passport._disclosure import Disclosure
from filon.passport._layers import (
    GRANT_FORMAT,
    GrantedVersion,
    GrantFile,
    GrantInvalid,
    LayerCorrupted,
    LayerFile,
    NoEncryptionKey,
    encryption_private_key,
    encryption_public_key,
    open_layer,
    parse_layer,
    passport_from_layers,
    unwrap_key,
    wrap_aad,
    wrap_key,
)
from filon.passport._schema import Passport
from filon.passport._store import DocumentCorrupted, DocumentNotFound, DocumentStore, cid_for_sha256


@dataclass(frozen=True)
class _Grant:
    """A grant ready to anchor: the lot, and the SHA-256 of its file (already in the store)."""

    lot_id: LotId
    digest: bytes


class Confidential:
    """Keys, grants and whole-passport reads of one deployment for the client's account."""

    def __init__(
        self, contract: Contract, access: Access, reads: LogReads, store: DocumentStore, salts: SaltFolder
    ) -> None:
        self._contract = contract
        self._access = access
        self._reads = reads
        self._store = store
        self._salts = salts

    # ------------------------------------------------------------------ keys

    def _private_key(self) -> ec.EllipticCurvePrivateKey | None:
        account = self._contract.account
        return encryption_private_key(bytes(account.key)) if account is not None else None

    def publish_key(self) -> str:
        """Publishes the public half of the account's derived encryption key."""
        account = self._contract.account
        if account is None:
            raise AccountRequired("Cannot publish an encryption key: this client is read-only.")
        return self._access.publish_key(encryption_public_key(bytes(account.key)))

    def reader_key(self, reader: str) -> bytes:
        """`reader`'s published encryption key.

        Raises:
            NoEncryptionKey: It published none.
        """
        key = self._access.encryption_key(reader)
        if key is None:
            raise NoEncryptionKey(reader)
        return key

    def readers(self, lot_id: LotId) -> dict[str, bytes]:
        """The keys of the lot's standing readers (other than the account), to wrap a new version's key to.
        A reader whose key is gone (never published) is left out: it could not open anything anyway."""
        me = self._me()
        keys: dict[str, bytes] = {}
        for grant in self._access.grants(lot_id):
            if grant.reader.lower() == me or grant.reader in keys:
                continue
            key = self._access.encryption_key(grant.reader)
            if key is not None:
                keys[grant.reader] = key
        return keys

    def _me(self) -> str:
        account = self._contract.account
        return account.address.lower() if account is not None else ""

    # ------------------------------------------------------------------ content keys

    def content_key(self, entry: PassportVersion, package: Disclosure) -> bytes | None:
        """The content key of a version's layer the account can reach, or None.

        Raises:
            WrappedKeyInvalid, GrantInvalid: Every way to the key failed, one of them on a tampered
                wrapped key or grant file (the first such error).
        """
        own = self._salts.content_key(entry.root, self._me()) if self._me() else None
        if own is not None:
            return own
        private = self._private_key()
        if private is None or package.layer is None:
            return None
        problems: list[FilonError] = []
        me = self._me()
        aad = wrap_aad(entry.root, me)
        unreadable: LayerCorrupted | None = None
        try:
            recipients = self._layer(package.layer.cid, entry).recipients
        except LayerCorrupted as error:
            recipients, unreadable = [], error
        for recipient in recipients:
            if recipient.reader.lower() == me:
                try:
                    return unwrap_key(bytes.fromhex(recipient.wrapped_key[2:]), private, aad)
                except FilonError as error:
                    problems.append(error)
        mine = [grant for grant in self._access.grants(entry.lot_id) if grant.reader.lower() == me]
        for grant in reversed(mine):
            try:
                granted = self._granted_version(grant.grant_digest, entry)
                if granted is not None:
                    return unwrap_key(bytes.fromhex(granted.wrapped_key[2:]), private, aad)
            except FilonError as error:
                problems.append(error)
        if unreadable is not None and mine:
            # a reader of the lot: the layer it may be a recipient of is damaged, not merely withheld from it
            problems.insert(0, unreadable)
        if problems:
            raise problems[0]
        return None

    def _granted_version(self, digest: bytes, entry: PassportVersion) -> GrantedVersion | None:
        """The version `entry` in the grant file with this anchored digest, checked to be for this lot, reader
        and deployment; None when the grant does not cover the version.

        Raises:
            GrantInvalid: The store has no intact file with that digest, or it is for something else.
        """
        cid = cid_for_sha256(digest.hex())
        try:
            grant = GrantFile.model_validate_json(self._store.get(cid))
        except (DocumentNotFound, DocumentCorrupted):
            raise GrantInvalid(
                f"The grant on lot {entry.lot_id} anchored with SHA-256 0x{digest.hex()} has no intact file "
                f"({cid}) in the document store {self._store.location}"
            ) from None
        except ValueError:
            raise GrantInvalid(f"The grant file {cid} is not a {GRANT_FORMAT} file") from None
        deployment = self._contract.deployment
        if (
            grant.format != GRANT_FORMAT
            or grant.lot_id != int(entry.lot_id)
            or grant.reader.lower() != self._me()
            or grant.chain_id != deployment.chain_id
            or grant.contract.lower() != deployment.address.lower()
        ):
            raise GrantInvalid(
                f"The grant file {cid}, anchored on lot {entry.lot_id}, is for lot {grant.lot_id} and reader "
                f"{grant.reader} on chain {grant.chain_id} ({grant.contract}), not for this lot and account"
            )
        for version in grant.versions:
            if version.version == entry.version:
                if version.root != "0x" + entry.root.hex():
                    raise GrantInvalid(
                        f"The grant file {cid} gives lot {entry.lot_id} version {entry.version} the root "
                        f"{version.root}, not the root 0x{entry.root.hex()} recorded on chain"
                    )
                return version
        return None

    def _layer(self, cid: str, entry: PassportVersion) -> LayerFile:
        try:
            data = self._store.get(cid)
        except (DocumentNotFound, DocumentCorrupted) as error:
            raise LayerCorrupted(
                f"Lot {entry.lot_id} passport version {entry.version}'s confidential layer {cid} cannot be "
                f"read intact from the document store {self._store.location}: {error}"
            ) from None
        layer = parse_layer(data)
        if layer.root != "0x" + entry.root.hex():
            raise LayerCorrupted(
                f"The confidential layer {cid} is bound to root {layer.root}, not to lot {entry.lot_id} "
                f"version {entry.version}'s 0x{entry.root.hex()}"
            )
        return layer

    # ------------------------------------------------------------------ reading

    def passport(self, lot_id: LotId, version: int | None) -> Passport:
        """The whole passport, public fields and decrypted ones, all checked against the on-chain root.

        Raises:
            PassportWithheld: Some fields are neither public nor in a layer the account can open.
        """
        entry = _passports.pick_version(self._reads, lot_id, version)
        package = _passports.published_package(self._store, entry)
        public = {
            name: (field.value, bytes.fromhex(field.salt[2:])) for name, field in package.fields.items()
        }
        withheld = [name for name in _passports.fields_of(package) if name not in public]
        if not withheld:
            return _passports.passport_of(package, entry)
        key = self.content_key(entry, package) if package.layer is not None else None
        if key is None or package.layer is None:
            raise PassportWithheld(
                f"Lot {lot_id} passport version {entry.version} withholds {', '.join(withheld)} from "
                f"{self._contract.account.address if self._contract.account else 'a read-only client'}",
                disclosed=list(public),
                withheld=withheld,
            )
        opened = open_layer(self._layer(package.layer.cid, entry), key, entry.root)
        return passport_from_layers(public, opened, entry.root)

    # ------------------------------------------------------------------ grants

    def grant_calls(
        self, lot_id: LotId, reader: str, *, with_provenance: bool, required: bool
    ) -> list[tuple[str, tuple[object, ...]]]:
        """Stores the grant files that let `reader` open the lot's versions the account can open (and, with
        provenance, its ancestors'), and returns the `grantAccess` calls anchoring them: one per lot, the
        lot itself always when `required`, an ancestor only when it has something to grant.

        Raises:
            NoEncryptionKey: `reader` published no key (checked before any grant file is stored).
        """
        reader = check.address(reader, "reader")
        lots = [lot_id]
        if with_provenance:
            lots += sorted(other for other in self._reads.provenance(lot_id).lots if other != lot_id)
        grants: list[_Grant] = []
        key: bytes | None = None
        for lot in lots:
            versions = self._openable(lot)
            if not versions and not (required and lot == lot_id):
                continue
            if key is None:
                key = self.reader_key(reader)
            grants.append(self._grant_file(lot, reader, key, versions))
        return [("grantAccess", (int(g.lot_id), reader, g.digest)) for g in grants]

    def _openable(self, lot_id: LotId) -> list[tuple[PassportVersion, str, bytes]]:
        """The lot's versions with a layer whose content key the account can reach: (version, layer CID,
        key). A version the account cannot open is left out, as is one whose package is not readable."""
        found = []
        for entry in _passports.versions(self._reads, lot_id):
            try:
                package = _passports.published_package(self._store, entry)
                key = self.content_key(entry, package) if package.layer is not None else None
            except FilonError:
                continue
            if key is not None and package.layer is not None:
                found.append((entry, package.layer.cid, key))
        return found

    def _grant_file(
        self,
        lot_id: LotId,
        reader: str,
        reader_key: bytes,
        versions: Sequence[tuple[PassportVersion, str, bytes]],
    ) -> _Grant:
        account = self._contract.account
        if account is None:
            raise AccountRequired("Cannot grant access: this client is read-only.")
        deployment = self._contract.deployment
        grant = GrantFile(
            format=GRANT_FORMAT,
            chain_id=deployment.chain_id,
            contract=deployment.address,
            lot_id=int(lot_id),
            reader=reader,
            granter=account.address,
            versions=[
                GrantedVersion(
                    version=entry.version,
                    root="0x" + entry.root.hex(),
                    layer=cid,
                    wrapped_key="0x" + wrap_key(key, reader_key, wrap_aad(entry.root, reader.lower())).hex(),
                )
                for entry, cid, key in versions
            ],
        )
        cid = self._store.put(grant.to_bytes())
        return _Grant(lot_id, bytes.fromhex(self._store.sha256_of(cid)))

    def anchor(self, calls: Sequence[tuple[str, Sequence[object]]]) -> str:
        """Sends the calls (grants, a transfer with its grant) in one transaction."""
        receipt = self._contract.multicall("grant access", list(calls))
        return check.hex0x(receipt["transactionHash"])
