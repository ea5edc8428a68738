"""`Passports`: the client's passport work: write a lot with its passport, read and check versions, disclose,
verify documents, roll up carbon, export credentials.

Every write with a passport follows one sequence (`write_with_passport`): check the write against the chain
first, then store the documents and the published package, keep the salts, send, and save the salts under
the recorded lot and version. A write the contract would refuse therefore stores nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eth_account.signers.local import LocalAccount

from filon import _checks as check
from filon import _passports
from filon._contract import Contract
from filon._errors import AccountRequired
from filon._lots import Lots, declare_call, record_passport_call, transform_call
from filon._passports import DocumentMatch, PassportVersion, PreparedPassport
from filon._reads import LogReads
from filon._salts import SaltFolder
from filon._types import LotDeclaration, LotId, LotOutput, MineId
from filon.passport._carbon import CarbonFootprint
from filon.passport._disclosure import Disclosure
from filon.passport._dpp import origin_countries, passport_credential
from filon.passport._schema import Passport
from filon.passport._store import DocumentStore
from filon.passport._vcjwt import credential_jwt, sign_credential

Recorded = Sequence[tuple[LotId, int]]
"""What a write with a passport recorded: (lot, passport version) pairs."""


class Passports:
    """Passports of one deployment for the client's account: its store, its salts, its writes and reads."""

    def __init__(
        self, contract: Contract, lots: Lots, reads: LogReads, store: DocumentStore, salts: SaltFolder
    ) -> None:
        self._contract = contract
        self._lots = lots
        self._reads = reads
        self.store = store
        self.salts = salts

    # ------------------------------------------------------------------ writes

    def write_with_passport(
        self,
        action: str,
        preflight: bytes,
        passport: Passport,
        documents: Mapping[str, bytes] | None,
        public_fields: Sequence[str] | None,
        send: Callable[[PreparedPassport], Recorded],
    ) -> tuple[PreparedPassport, Recorded]:
        """Checks `preflight` (the write's calldata with a stand-in root) against the chain, stores the
        passport's documents and package, keeps its salts, runs `send` with the prepared passport, and saves
        the salts under every (lot, version) it recorded.

        Raises:
            InvalidInput: A document is not cited by the passport.
            ContractRevert: The write's rules, checked before anything is stored.
        """
        self._contract.preflight(action, preflight)
        prepared = _passports.prepare_passport(passport, self.store, documents, public_fields=public_fields)
        self.salts.keep(prepared.root, prepared.salts)
        recorded = send(prepared)
        for lot_id, version in recorded:
            self.salts.save(lot_id, version, prepared.salts)
        return prepared, recorded

    def declare_lot(
        self,
        mine_id: MineId,
        passport: Passport,
        documents: Mapping[str, bytes] | None,
        external_ref: str,
        public_fields: Sequence[str] | None,
    ) -> LotId:
        fine, gross = passport.quantity.fine_gold_mg, passport.quantity.gross_mass_mg

        def declaration(root: bytes, uri: str) -> LotDeclaration:
            return LotDeclaration(mine_id, fine, gross, root, uri, external_ref)

        _, recorded = self.write_with_passport(
            "declare a lot",
            declare_call(self._contract, declaration(check.PREFLIGHT_ROOT, "")),
            passport,
            documents,
            public_fields,
            lambda prepared: [(self._lots.declare_lot(declaration(prepared.root, prepared.uri)), 1)],
        )
        return recorded[0][0]

    def transform(
        self,
        inputs: Sequence[LotId],
        outputs: Sequence[LotOutput],
        passport: Passport,
        documents: Mapping[str, bytes] | None,
        public_fields: Sequence[str] | None,
    ) -> list[LotId]:
        def send(prepared: PreparedPassport) -> Recorded:
            made = self._lots.transform(inputs, outputs, prepared.root, prepared.uri)
            return [(lot_id, 1) for lot_id in made]

        _, recorded = self.write_with_passport(
            "transform lots",
            transform_call(self._contract, inputs, outputs, check.PREFLIGHT_ROOT, ""),
            passport,
            documents,
            public_fields,
            send,
        )
        return [lot_id for lot_id, _ in recorded]

    def publish(
        self,
        lot_id: LotId,
        passport: Passport,
        documents: Mapping[str, bytes] | None,
        public_fields: Sequence[str] | None,
    ) -> PassportVersion:
        def send(prepared: PreparedPassport) -> Recorded:
            return [(lot_id, self._lots.record_passport(lot_id, prepared.root, prepared.uri))]

        prepared, recorded = self.write_with_passport(
            "record a passport",
            record_passport_call(self._contract, lot_id, check.PREFLIGHT_ROOT, ""),
            passport,
            documents,
            public_fields,
            send,
        )
        return PassportVersion(lot_id, recorded[0][1], prepared.root, prepared.uri)

    # ------------------------------------------------------------------ reads

    def versions(self, lot_id: LotId) -> list[PassportVersion]:
        return _passports.versions(self._reads, lot_id)

    def passport(self, lot_id: LotId, version: int | None) -> Passport:
        entry = _passports.pick_version(self._reads, lot_id, version)
        return _passports.passport_of(_passports.published_package(self.store, entry), entry)

    def published(self, lot_id: LotId, version: int | None) -> Disclosure:
        entry = _passports.pick_version(self._reads, lot_id, version)
        package = _passports.published_package(self.store, entry)
        return package.model_copy(update={"lot_id": int(lot_id), "version": entry.version})

    def salts_of(self, lot_id: LotId, version: int) -> dict[str, bytes]:
        return self.salts.load(
            lot_id, version, lambda: _passports.pick_version(self._reads, lot_id, version).root
        )

    def verify_disclosure(self, disclosure: Disclosure) -> None:
        _passports.check_disclosure(self._reads, self.verify_leaf, disclosure)

    def verify_leaf(self, lot_id: LotId, leaf: bytes, proof: Sequence[bytes]) -> bool:
        (accepted,) = self._contract.read(
            "verifyPassportLeaf", check.uint(lot_id, "lot_id"), bytes(leaf), [bytes(p) for p in proof]
        )
        return bool(accepted)

    def verify_document(self, lot_id: LotId, data: bytes) -> DocumentMatch | None:
        return _passports.find_document(self._reads, self.store, lot_id, data)

    def carbon(self, lot_id: LotId) -> CarbonFootprint:
        return _passports.footprint(self._reads, self.store, lot_id)

    def credential(self, lot_id: LotId, version: int | None, issuer_name: str | None) -> dict[str, Any]:
        account, credential = self._credential(lot_id, version, issuer_name)
        return sign_credential(credential, account)

    def credential_jwt(self, lot_id: LotId, version: int | None, issuer_name: str | None) -> str:
        account, credential = self._credential(lot_id, version, issuer_name)
        return credential_jwt(credential, account)

    def _credential(
        self, lot_id: LotId, version: int | None, issuer_name: str | None
    ) -> tuple[LocalAccount, dict[str, Any]]:
        """The client's account and the unsigned UNTP credential of a passport version, with the lot's
        form, origins and EPCIS events read from the chain."""
        account = self._contract.account
        if account is None:
            raise AccountRequired("Cannot sign a passport credential: this client is read-only.")
        entry = _passports.pick_version(self._reads, lot_id, version)
        passport = _passports.passport_of(_passports.published_package(self.store, entry), entry)
        trace = self._reads.trace(lot_id)
        deployment = self._contract.deployment
        credential = passport_credential(
            passport,
            issuer_address=account.address,
            issuer_name=self._issuer_name(account, issuer_name),
            lot_id=int(lot_id),
            chain_id=deployment.chain_id,
            contract=deployment.address,
            version=entry.version,
            # whole seconds, as the JWT's nbf states it
            valid_from=datetime.datetime.now(datetime.UTC).replace(microsecond=0),
            form=trace.provenance.lots[LotId(int(lot_id))].form,
            passport_uri=entry.uri,
            origin_countries=origin_countries(trace.provenance),
            epcis=self._reads.epcis_of(trace),
        )
        return account, credential

    @staticmethod
    def _issuer_name(account: LocalAccount, given: str | None) -> str:
        """The issuer's name in its credentials (UNTP requires one): `given`, else the account's address,
        as the chain keeps no names of participants."""
        return given if given else str(account.address)
