"""`Passports`: the client's passport work: write a lot with its passport, read and check versions, disclose,
verify documents, roll up carbon, export credentials.

Every write with a passport follows one sequence (`write_with_passports`, for one write or a batch): check
the writes against the chain first, then store each one's documents and published package and keep its
salts, send, and save the salts under every lot and version recorded. A write the contract would refuse
therefore stores nothing, and a write sent (even one cut off by a crash) always has its salts kept.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount

from filon import _checks as check
from filon import _passports
from filon._confidential import Confidential
from filon._contract import Contract
from filon._errors import AccountRequired, FilonError, InvalidInput
from filon._lots import Lots, declare_call, record_passport_call, unique_references
from filon._passports import DocumentMatch, PassportVersion, PreparedPassport
from filon._reads import LogReads
from filon._record_models import ParticipantRecord
from filon._records import read_record
from filon._registry import Registry
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


@dataclass(frozen=True)
class PassportWrite:
    """One write with a passport, for `Passports.write_with_passports`.

    Attributes:
        preflight: The write's calldata with a stand-in root, checked against the chain first.
        passport: The passport to store and record.
        documents: The documents it cites, by name, stored beside it.
        public_fields: The fields its published package discloses (None: all).
        readers: Public keys by address of the readers its confidential layer's key is wrapped to.
    """

    preflight: bytes
    passport: Passport
    documents: Mapping[str, bytes] | None
    public_fields: Sequence[str] | None
    readers: Mapping[str, bytes] | None = None


@dataclass(frozen=True)
class PassportDeclaration:
    """One ore lot to declare with its passport, as passed to `Client.declare_lots_with_passports`.

    Attributes:
        mine_id: The mine the ore comes from; the sender must be its operator.
        passport: The lot's passport; its `quantity` gives the fine gold and the gross mass.
        documents: Documents it cites in `conformity`, by name, to store beside it.
        external_ref: The partner's own lot number, unique per sender (a retry never mints twice).
        public_fields: The fields the published package discloses (None: all).
    """

    mine_id: MineId
    passport: Passport
    documents: Mapping[str, bytes] | None = None
    external_ref: str = ""
    public_fields: Sequence[str] | None = None

    def declaration(self, root: bytes | str, uri: str) -> LotDeclaration:
        """The declaration sent for it, with the passport's `root` and `uri`."""
        quantity = self.passport.quantity
        return LotDeclaration(
            self.mine_id, quantity.fine_gold_mg, quantity.gross_mass_mg, root, uri, self.external_ref
        )


class Passports:
    """Passports of one deployment for the client's account: its store, its salts, its writes and reads."""

    def __init__(
        self,
        contract: Contract,
        lots: Lots,
        reads: LogReads,
        store: DocumentStore,
        salts: SaltFolder,
        confidential: Confidential,
    ) -> None:
        self._confidential = confidential
        self._contract = contract
        self._lots = lots
        self._reads = reads
        self.store = store
        self.salts = salts

    # ------------------------------------------------------------------ writes

    def write_with_passports(
        self,
        action: str,
        writes: Sequence[PassportWrite],
        send: Callable[[Sequence[tuple[int, PreparedPassport]]], Sequence[Recorded | FilonError]],
    ) -> list[tuple[PreparedPassport, Recorded] | FilonError]:
        """Checks every write's `preflight` against the chain (one batch of calls); for each one the contract
        accepts, stores its documents and package and keeps its salts; runs `send` with those prepared
        passports (each with its position in `writes`), in order, which gives what each one recorded or
        the error that stopped it; and saves the salts under every (lot, version) recorded.

        Returns:
            For each write, its prepared passport and what it recorded, or the error that stopped it (the
            contract's refusal at the check, when nothing was stored; a document not cited; or what `send`
            gave for it).
        """
        refusals = self._contract.preflight(action, [write.preflight for write in writes])
        stopped: dict[int, FilonError] = {}
        prepared: dict[int, PreparedPassport] = {}
        for index, (write, refused) in enumerate(zip(writes, refusals, strict=True)):
            if refused is not None:
                stopped[index] = refused
                continue
            try:
                passport = _passports.prepare_passport(
                    write.passport,
                    self.store,
                    write.documents,
                    public_fields=write.public_fields,
                    readers=write.readers,
                )
            except InvalidInput as error:
                stopped[index] = error
                continue
            self.salts.keep(passport.root, passport.salts)
            if passport.content_key is not None:
                holder = self._contract.sender(action).address
                self.salts.keep_content_key(passport.root, holder, passport.content_key)
            prepared[index] = passport
        results = dict(zip(prepared, send(list(prepared.items())), strict=True))
        outcomes: list[tuple[PreparedPassport, Recorded] | FilonError] = []
        for index in range(len(writes)):
            result = stopped[index] if index in stopped else results[index]
            if isinstance(result, FilonError):
                outcomes.append(result)
                continue
            for lot_id, version in result:
                self.salts.save(lot_id, version, prepared[index].salts)
            outcomes.append((prepared[index], result))
        return outcomes

    def write_with_passport(
        self,
        action: str,
        write: PassportWrite,
        send: Callable[[PreparedPassport], Recorded],
    ) -> tuple[PreparedPassport, Recorded]:
        """`write_with_passports` for one write, whose error is raised.

        Raises:
            InvalidInput: A document is not cited by the passport.
            ContractRevert: The write's rules, checked before anything is stored.
        """
        (outcome,) = self.write_with_passports(
            action, [write], lambda prepared: [send(p) for _, p in prepared]
        )
        if isinstance(outcome, FilonError):
            raise outcome
        return outcome

    def declare_lot(
        self,
        mine_id: MineId,
        passport: Passport,
        documents: Mapping[str, bytes] | None,
        external_ref: str,
        public_fields: Sequence[str] | None,
    ) -> LotId:
        lot = PassportDeclaration(mine_id, passport, documents, external_ref, public_fields)
        _, recorded = self.write_with_passport(
            "declare a lot",
            self._declaration_write(lot),
            lambda prepared: [(self._lots.declare_lot(lot.declaration(prepared.root, prepared.uri)), 1)],
        )
        return recorded[0][0]

    def declare_lots(self, lots: Sequence[PassportDeclaration]) -> list[LotId | FilonError]:
        unique_references([lot.declaration(check.PREFLIGHT_ROOT, "") for lot in lots])

        def send(prepared: Sequence[tuple[int, PreparedPassport]]) -> list[Recorded | FilonError]:
            declarations = [lots[index].declaration(p.root, p.uri) for index, p in prepared]
            return [
                outcome if isinstance(outcome, FilonError) else [(outcome, 1)]
                for outcome in self._lots.declare_each(declarations)
            ]

        writes = [self._declaration_write(lot) for lot in lots]
        outcomes = self.write_with_passports("declare lots", writes, send)
        return [outcome if isinstance(outcome, FilonError) else outcome[1][0][0] for outcome in outcomes]

    def _declaration_write(self, lot: PassportDeclaration) -> PassportWrite:
        preflight = declare_call(self._contract, lot.declaration(check.PREFLIGHT_ROOT, ""))
        return PassportWrite(preflight, lot.passport, lot.documents, lot.public_fields)

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

        preflight = self._lots.transform_preflight(inputs, outputs)
        write = PassportWrite(preflight, passport, documents, public_fields)
        _, recorded = self.write_with_passport("transform lots", write, send)
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

        preflight = record_passport_call(self._contract, lot_id, check.PREFLIGHT_ROOT, "")
        # the lot's standing readers open the new version from its own layer: no grant to send
        readers = self._confidential.readers(lot_id) if public_fields is not None else None
        write = PassportWrite(preflight, passport, documents, public_fields, readers)
        prepared, recorded = self.write_with_passport("record a passport", write, send)
        return PassportVersion(lot_id, recorded[0][1], prepared.root, prepared.uri)

    # ------------------------------------------------------------------ reads

    def versions(self, lot_id: LotId) -> list[PassportVersion]:
        return _passports.versions(self._reads, lot_id)

    def passport(self, lot_id: LotId, version: int | None) -> Passport:
        return self._confidential.passport(lot_id, version)

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

    def _issuer_name(self, account: LocalAccount, given: str | None) -> str:
        """The issuer's name in its credentials (UNTP requires one): `given`, else the name of the record the
        registrar published for the account (when the store's bytes match it), else the account's address."""
        if given:
            return given
        published = Registry(self._contract).participant_record(account.address)
        record, _ = read_record(self.store, published, ParticipantRecord)
        return record.name if record is not None else str(account.address)
