"""The passport verbs of `filon.Client`: write with a passport, read, disclose, verify, carbon, credentials
(a mixin, so that the façade stays small)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from filon._assays import LabAssay, with_receipt
from filon._errors import FilonError
from filon._passports import DocumentMatch, PassportVersion
from filon._publishing import PassportDeclaration, Passports
from filon._reads import LogReads
from filon._types import LotId, LotOutput, MineId
from filon.passport._carbon import CarbonFootprint
from filon.passport._disclosure import Disclosure
from filon.passport._schema import Passport, field_names


class PassportVerbs:
    """Passport work, through `_passports` (set by `Client`)."""

    _passports: Passports
    _reads: LogReads

    def declare_lot_with_passport(
        self,
        mine_id: MineId,
        passport: Passport,
        *,
        documents: Mapping[str, bytes] | None = None,
        external_ref: str = "",
        public_fields: Sequence[str] | None = None,
    ) -> LotId:
        """Declares an ore lot with its passport: stores the documents and the published package, records
        the root, and keeps the salts. Fine gold and gross mass come from `passport.quantity`.

        Args:
            mine_id: The mine (the client's account operates it).
            passport: The lot's passport.
            documents: Documents it cites in `conformity`, by name, to store beside it.
            external_ref: Your own reference for the lot (unique per operator).
            public_fields: The fields the published package discloses (None: all).

        Returns:
            The new lot's id.

        Raises:
            InvalidInput: A document is not cited by the passport.
            ContractRevert: Any rule of `declare_lot`, checked before anything is stored: nothing is
                written then (the documents and salts stay in the store only if the chain changed between
                that check and the send, harmlessly).
        """
        return self._passports.declare_lot(mine_id, passport, documents, external_ref, public_fields)

    def declare_lots_with_passports(self, lots: Sequence[PassportDeclaration]) -> list[LotId | FilonError]:
        """`declare_lot_with_passport` for many lots, sent as `declare_lots` sends them (without waiting),
        but each lot stands alone: one refused does not stop the others.

        Returns:
            Each lot's id, or the error that stopped it: the contract's refusal (at the check before
            anything is stored, or once mined), or, for a lot sent but not confirmed, `RpcUnavailable` or
            `TransactionError` (it may yet be mined: its salts are kept under its root, and a rerun finds
            it by its external reference). The salts of every lot confirmed are saved under its id.

        Raises:
            InvalidInput: Two lots share an external reference (nothing is stored or sent).
            RpcError: The node failed before anything was sent.
        """
        return self._passports.declare_lots(lots)

    def transform_with_passport(
        self,
        inputs: Sequence[LotId],
        outputs: Sequence[LotOutput],
        passport: Passport,
        *,
        documents: Mapping[str, bytes] | None = None,
        public_fields: Sequence[str] | None = None,
    ) -> list[LotId]:
        """Transforms lots, giving every output the same first passport, and keeps its salts for each output.

        Returns:
            The new lots' ids, in the order of `outputs`.

        Raises:
            InvalidInput: A document is not cited by the passport.
            ContractRevert: Any rule of `transform`, checked before anything is stored.
        """
        return self._passports.transform(inputs, outputs, passport, documents, public_fields)

    def publish_passport(
        self,
        lot_id: LotId,
        passport: Passport,
        documents: Mapping[str, bytes] | None = None,
        *,
        public_fields: Sequence[str] | None = None,
    ) -> PassportVersion:
        """Publishes a new passport version of a lot the client's account holds.

        Stores the documents and the published package (a disclosure of `public_fields`, all by default),
        records its root and `ipfs://` URI on chain, and keeps the salts in the holder's salt folder.

        Returns:
            The recorded version.

        Raises:
            InvalidInput: A document is not cited by the passport.
            NotHolder, LotConsumed, UnknownLot: The contract's rules for recording a passport, checked before
                anything is stored.
        """
        return self._passports.publish(lot_id, passport, documents, public_fields)

    def record_assay(
        self,
        lot_id: LotId,
        sample: LabAssay,
        counter_sample: LabAssay,
        *,
        moisture_pct: float,
        wet_mass_mg: int | None = None,
        umpire: LabAssay | None = None,
        received_on: datetime.date | None = None,
    ) -> PassportVersion:
        """Records what the plant measured on receiving an ore lot it holds, as the lot's next passport
        version (schema 1.1): its latest passport with a `receipt` (wet mass, moisture, dry mass, the sample's
        and counter-sample's assays, the umpire's if any), each assay certificate cited in `conformity` and
        stored with the package.

        Args:
            lot_id: The ore lot.
            sample: The plant's sample's assay.
            counter_sample: The counter-sample's assay.
            moisture_pct: Moisture, percent of the wet mass.
            wet_mass_mg: The mass weighed; by default the lot's declared gross mass.
            umpire: The umpire assay, when one settled a dispute.
            received_on: The day it was weighed; by default today (UTC).

        Returns:
            The recorded version.

        Raises:
            InvalidInput: Not an ore lot, or a figure out of range.
            PassportWithheld: The lot's latest passport withholds fields the account cannot open, which its
                next version must keep. Fields it opens from a confidential layer stay confidential in the
                new version, wrapped to the lot's readers.
            NotHolder, LotConsumed, UnknownLot: As `publish_passport`.
        """
        lot = self._reads.lot(lot_id)
        passport, documents = with_receipt(
            self.passport(lot_id),
            lot,
            sample,
            counter_sample,
            moisture_pct=moisture_pct,
            wet_mass_mg=wet_mass_mg,
            umpire=umpire,
            received_on=received_on,
        )
        # The new version keeps the lot's confidential fields confidential (the receipt itself is public).
        layer = self.published_passport(lot_id).layer
        if layer is None:
            return self.publish_passport(lot_id, passport, documents)
        public = [name for name in field_names(passport.schema_version) if name not in layer.fields]
        return self.publish_passport(lot_id, passport, documents, public_fields=public)

    def passport_versions(self, lot_id: LotId) -> list[PassportVersion]:
        """Every recorded passport version of a lot (root and URI), oldest first."""
        return self._passports.versions(lot_id)

    def passport(self, lot_id: LotId, version: int | None = None) -> Passport:
        """A whole passport version (the latest by default): its published fields and, when some are
        withheld, its confidential layer decrypted with a content key the client's account can reach (it
        published the version, or the key was wrapped to it in the layer or in a grant). Every field is
        checked: the Merkle tree rebuilt from all values and salts gives the root recorded on chain.

        Raises:
            PassportUnavailable: Its package is not in the store (or its URI is not an ipfs:// CID).
            DisclosureMismatch: The package does not prove its fields against the root recorded on chain.
            PassportWithheld: Some fields cannot be opened by this account (`withheld` names them;
                `published_passport` returns the public ones).
            LayerCorrupted, WrappedKeyInvalid, GrantInvalid, LayerMismatch: A layer, wrapped key or grant
                was tampered with (all `ConfidentialLayerError`): nothing is returned.
        """
        return self._passports.passport(lot_id, version)

    def published_passport(self, lot_id: LotId, version: int | None = None) -> Disclosure:
        """The fields a passport version's holder published, checked against the root recorded on chain."""
        return self._passports.published(lot_id, version)

    def passport_salts(self, lot_id: LotId, version: int) -> dict[str, bytes]:
        """The salts this holder kept for a passport version (to `filon.disclose` withheld fields).

        Raises:
            PassportUnavailable: No salts are kept here for that version.
        """
        return self._passports.salts_of(lot_id, version)

    def verify_disclosure(self, disclosure: Disclosure) -> None:
        """Checks a disclosure against the chain: the root recorded for its lot and version, and, for the
        current version, the contract's own `verifyPassportLeaf` for every disclosed field.

        Raises:
            InvalidInput: The disclosure names no lot or version, or the lot has no such version.
            DisclosureMismatch: A value, salt, proof or the root does not check out (`field`, `reason`).
        """
        self._passports.verify_disclosure(disclosure)

    def verify_passport_leaf(self, lot_id: LotId, leaf: bytes, proof: Sequence[bytes]) -> bool:
        """Whether the contract accepts `leaf` with `proof` against the lot's current passport root."""
        return self._passports.verify_leaf(lot_id, leaf, proof)

    def verify_document(self, lot_id: LotId, data: bytes) -> DocumentMatch | None:
        """Which passport version (the latest) and field of a lot cite a document with these bytes' SHA-256.

        Returns:
            The citation, or None when no published version cites it (a tampered or foreign document).
        """
        return self._passports.verify_document(lot_id, data)

    def carbon(self, lot_id: LotId) -> CarbonFootprint:
        """The lot's embodied carbon: its share (by fine gold) of every ancestor's emissions, per mine."""
        return self._passports.carbon(lot_id)

    def passport_credential(
        self, lot_id: LotId, version: int | None = None, *, issuer_name: str | None = None
    ) -> dict[str, Any]:
        """A passport version (the latest by default) as a UNTP Digital Product Passport 0.6.1 in a W3C
        VC 2.0, issued by the client's account (named `issuer_name`, else its address), with its events and
        origins read from the chain, secured by its VC-JWT as a `JwtProof2020` proof (docs/credentials.md).
        `filon.verify_credential` checks it, as any JWT-VC verifier checks the proof, with no chain access.

        Raises:
            AccountRequired: The client has no account to sign with.
            PassportWithheld, PassportUnavailable, DisclosureMismatch: As `passport`.
        """
        return self._passports.credential(lot_id, version, issuer_name)

    def passport_credential_jwt(
        self, lot_id: LotId, version: int | None = None, *, issuer_name: str | None = None
    ) -> str:
        """The same credential as `passport_credential` as a compact VC-JWT: ES256K, `iss` the account's
        did:pkh, `sub` the lot, `nbf`, the credential under `vc` (`filon.credential_jwt`)."""
        return self._passports.credential_jwt(lot_id, version, issuer_name)
