"""`Index`: the contract's events copied into SQL, so that a lookup is a query rather than a walk over logs.

`Index` keeps the public verbs and hands each job to a small module: `_database` opens and migrates the
database, `_sync` follows the chain (and rewinds after a reorg), `_rows` maps event records to rows and back,
and `_lots`, `_mines` and `_search` answer the reads, each in a few queries.

Reads return the library's own records (`Lot`, `Mine`, `Provenance`, the `HistoryEvent`s), exactly as
`Client` rebuilds them from the chain, so the passport checks of `filon` run unchanged over either.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from web3 import Web3

from filon import _passports
from filon._chain import Chain
from filon._contributions import Contribution
from filon._deployment import Deployment, open_chain
from filon._errors import InvalidInput, UnknownLot, UnknownMine
from filon._passports import DocumentMatch, PassportVersion
from filon._records import Participant
from filon._types import HistoryEvent, Lot, LotId, Mine, MineId, Provenance, RegisterSnapshot, Role
from filon.index import (
    _ancestry,
    _attestations,
    _carbon,
    _contributions,
    _epcis,
    _facts,
    _lots,
    _mines,
    _received,
    _records,
    _search,
)
from filon.index._ancestry import Ancestry, Transformation
from filon.index._attestations import AnchoredCredential
from filon.index._carbon import Emissions
from filon.index._consumed import ConsumedLots
from filon.index._database import Database, PoolSettings, default_database_url, engine_url, open_database
from filon.index._facts import LotFacts
from filon.index._lots import Story, Timed
from filon.index._models import IndexedBlock, LotRow, SyncState
from filon.index._received import Received
from filon.index._records import MineLabel
from filon.index._search import SearchResults
from filon.index._sync import DEFAULT_BLOCKS_PER_STEP, ChainSync, SyncReport
from filon.passport._carbon import CarbonFootprint
from filon.passport._store import DocumentStore


@dataclass(frozen=True)
class Position:
    """Where an index stands (`Index.position`).

    Attributes:
        last_block: The last block it has read.
        block_hash: That block's hash (None before the first sync).
        time: That block's time, the index's "now" (`Index.head_time`; 0 before the first sync).
        resolved: How many times contents were resolved from the store since (records, receipts).
    """

    last_block: int
    block_hash: bytes | None
    time: int
    resolved: int = 0


_POSITION = (
    select(SyncState.last_block, IndexedBlock.hash, IndexedBlock.timestamp, SyncState.resolved)
    .outerjoin(IndexedBlock, IndexedBlock.number == SyncState.last_block)
    .where(SyncState.id == 1)
)


class Index:
    """The events of one Filón deployment in an SQL database, kept in step with the chain by `sync`.

    Open one with `filon.index.open_index`. Safe to read from several threads while one thread syncs.
    """

    def __init__(
        self,
        engine: Engine,
        deployment: Deployment,
        chain: Chain | None,
        *,
        confirmations: int = 0,
        blocks_per_step: int = DEFAULT_BLOCKS_PER_STEP,
    ) -> None:
        if confirmations < 0:
            raise InvalidInput(f"confirmations must be 0 or more, not {confirmations}")
        if blocks_per_step < 1:
            raise InvalidInput(f"blocks_per_step must be 1 or more, not {blocks_per_step}")
        self.engine = engine
        self.deployment = deployment
        self.confirmations = confirmations
        self.blocks_per_step = blocks_per_step
        self._database = Database(engine)
        self._sync = ChainSync(self._database, deployment, chain)
        self._consumed = ConsumedLots()
        self.records_store: DocumentStore | None = None
        """The document store `sync` reads published records from (the explorer sets its own)."""

    def __repr__(self) -> str:
        return f"<filon.Index {self.deployment.address} on chain {self.deployment.chain_id} in {self.url}>"

    @property
    def url(self) -> str:
        """The database URL, without its password."""
        return self._database.url

    def close(self) -> None:
        """Closes the database connections and stops the sync's reading threads."""
        self._sync.close()
        self.engine.dispose()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ------------------------------------------------------------------ sync

    def position(self) -> Position:
        """Where the index stands: its last block, that block's hash and time, and how many times contents
        were resolved from the store, in one query. Any new event, block synced, rewind (a rewind and a sync
        back to the same height on another branch change the hash) or resolved record or receipt changes it,
        so it keys caches of what the index says."""
        with self._database.connection() as connection:  # read on every page view
            row = connection.execute(_POSITION).one()
        if row.hash is None:  # nothing synced yet
            return Position(int(row.last_block), None, 0, int(row.resolved))
        return Position(int(row.last_block), bytes(row.hash), int(row.timestamp), int(row.resolved))

    @property
    def last_block(self) -> int:
        """The last block the index has read (the deployment block - 1 before the first sync)."""
        return self._sync.last_block()

    def sync(
        self,
        *,
        to_block: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SyncReport:
        """Brings the index up to the chain's head minus `confirmations` (or `to_block`, if lower).

        Commits after every step of `blocks_per_step` blocks: stopped at any point, the next sync goes on
        from the last committed step. A reorg found before or during the sync (even below blocks this sync
        already committed) is rewound to the fork and read again from there.

        Args:
            to_block: Stop at this block.
            progress: Called with (last block indexed, target block) after each step.

        Returns:
            What was read and stored, and the rewind if a reorg was found.

        Then, if `records_store` is set, reads the contents of new published records from it (after the
        sync's transactions: see `resolve_records`).

        Raises:
            IndexReadOnly: The index was opened without an RPC URL.
            RpcUnavailable, RpcError: The node failed; what was committed stays.
            EventDecodeError: The node gave a log with a Filón event's topic but not that event's layout.
            IndexDatabaseError: The database failed.
        """
        report = self._sync.run(
            confirmations=self.confirmations,
            blocks_per_step=self.blocks_per_step,
            to_block=to_block,
            progress=progress,
        )
        if self.records_store is not None:
            self.resolve_records(self.records_store)
        return report

    def rewind(self, block: int) -> None:
        """Forgets everything after `block` (the next sync reads it again).

        The index then stands at the newest block it stored up to `block` (blocks in between held none of
        the contract's events), whose hash the next sync checks against the chain.
        """
        self._sync.rewind(block)

    # ------------------------------------------------------------------ who is who

    def resolve_records(self, store: DocumentStore) -> int:
        """Reads from `store` the published records the index has no contents of yet, outside any sync
        transaction; a record the store does not hold yet is tried again next time.

        Returns:
            How many records' contents and ore lots' receipts it kept (`_records.resolve`).
        """
        return _records.resolve(self._database, store)

    def participant(self, address: str) -> Participant:
        """An address's role and latest published record (`record` None unless verified), as indexed."""
        return self.participants([address])[Web3.to_checksum_address(address)]

    def participants(self, addresses: Collection[str]) -> dict[str, Participant]:
        """`participant` for many addresses at once, by checksummed address."""
        with self._database.session() as session:
            return _records.participants(session, addresses)

    def lots_held_by(self, address: str) -> list[Lot]:
        """The live lots `address` holds now, by id."""
        with self._database.session() as session:
            return _lots.held_by(session, Web3.to_checksum_address(address))

    def received(self, address: str, since: int, until: int) -> list[Received]:
        """The ore lots transferred to `address` in blocks of time `since` <= t < `until` (Unix seconds), each
        once, by lot id, with its latest passport version (`filon.index._intake` reports them by mine).

        Raises:
            InvalidInput: `address` was never an admitted participant.
        """
        with self._database.session() as session:
            return _received.received(session, Web3.to_checksum_address(address), since, until)

    def mine_labels(self, mine_ids: Collection[int]) -> dict[int, MineLabel]:
        """Name, region and register code of each mine whose current record is verified (others left out)."""
        with self._database.session() as session:
            return _records.mine_labels(session, mine_ids)

    def status_snapshot(self, mine_id: MineId) -> RegisterSnapshot | None:
        """The government register snapshot whose import set the mine's current status, or None."""
        with self._database.session() as session:
            return _records.status_snapshot(session, mine_id)

    # ------------------------------------------------------------------ lots

    def lot(self, lot_id: LotId) -> Lot:
        """A lot as indexed (`Client.lot` reads the same from the chain).

        Raises:
            UnknownLot: The index has no lot with this id.
        """
        with self._database.session() as session:
            found = _lots.lots(session, [_lots.checked_id(lot_id)])
        if not found:
            raise UnknownLot(lot_id=lot_id)
        return found[LotId(lot_id)]

    def has_lot(self, lot_id: int) -> bool:
        """Whether the index has this lot."""
        if isinstance(lot_id, bool) or not isinstance(lot_id, int) or not 0 <= lot_id < 2**63:
            return False
        with self._database.session() as session:
            return session.get(LotRow, lot_id) is not None

    def lot_count(self) -> int:
        """How many lots have been minted (consumed ones included)."""
        with self._database.session() as session:
            return int(session.scalar(select(func.count()).select_from(LotRow)) or 0)

    def ancestors(self, lot_id: LotId) -> list[LotId]:
        """Every lot `lot_id` was made from, down to the ore lots: one recursive SQL query."""
        start = _lots.checked_id(lot_id)
        with self._database.session() as session:
            return _lots.ancestors(session, start)

    def children(self, lot_id: LotId) -> list[LotId]:
        """The lots produced from `lot_id` (empty while it is live)."""
        with self._database.session() as session:
            return _lots.children(session, lot_id)

    def provenance(self, lot_id: LotId) -> Provenance:
        """The ancestry of a lot down to its mines (as `Client.provenance`): one recursive query, and the
        lots that this `Index` has not read before as consumed (`filon.index._consumed`).

        Raises:
            UnknownLot: The index has no lot with this id.
        """
        start = _lots.checked_id(lot_id)
        with self._database.session() as session:
            return _lots.provenance(session, start, self._consumed)

    def epcis(self, lot_id: LotId, *, max_lots: int = 1_000) -> dict[str, Any]:
        """The lot's history and its ancestors' as a GS1 EPCIS 2.0 document, as `Client.epcis` builds it.

        Raises:
            UnknownLot: The index has no lot with this id.
            InvalidInput: Its ancestry holds more than `max_lots` lots.
        """
        start = _lots.checked_id(lot_id)
        with self._database.session() as session:
            return _epcis.epcis(session, self.deployment, start, max_lots, self._consumed)

    def contributions(self, lot_id: LotId) -> list[Contribution]:
        """Which mines the lot's fine gold came from (as `Client.contributions`): no walk for a lot of one
        mine, else one query of its whole ancestry.

        Raises:
            UnknownLot: The index has no lot with this id.
        """
        start = _lots.checked_id(lot_id)
        with self._database.session() as session:
            return _contributions.contributions(session, start)

    def history(self, lot_id: LotId) -> list[HistoryEvent]:
        """Everything that happened to a lot, in chain order (as `Client.history`).

        Raises:
            UnknownLot: The index has no lot with this id.
        """
        return [entry.event for entry in self.timeline(lot_id)]

    def timeline(self, lot_id: LotId) -> list[Timed]:
        """`history` with the time of each entry's block.

        Raises:
            UnknownLot: The index has no lot with this id.
        """
        start = _lots.checked_id(lot_id)
        with self._database.session() as session:
            return _lots.timeline(session, start)

    def story(self, lot_id: LotId) -> Story:
        """A lot's record (`lot`), its `timeline` and its `children`, from one read of its rows.

        Raises:
            UnknownLot: The index has no lot with this id.
        """
        start = _lots.checked_id(lot_id)
        with self._database.session() as session:
            return _lots.story(session, start)

    def last_activity(self, lot_ids: Collection[int]) -> dict[LotId, int]:
        """The time (Unix seconds) of the latest event of each lot: birth, transfer or passport version."""
        with self._database.session() as session:
            return _lots.last_activity(session, lot_ids)

    def head_time(self) -> int:
        """The time of the last block indexed (Unix seconds): the index's "now"."""
        with self._database.session() as session:
            return _mines.head_time(session)

    def block_time(self, block_number: int) -> int | None:
        """The time of an indexed block, or None if the index did not keep it."""
        with self._database.session() as session:
            row = session.get(IndexedBlock, block_number)
        return row.timestamp if row is not None else None

    def lots_by_external_ref(self, external_ref: str) -> list[Lot]:
        """The lots declared with this external reference (unique per issuer, so possibly several)."""
        with self._database.session() as session:
            return _lots.by_external_ref(session, external_ref)

    def lots_of(self, address: str) -> list[LotId]:
        """The live lots `address` holds now."""
        holder = Web3.to_checksum_address(address)
        with self._database.session() as session:
            return [lot.id for lot in _lots.held_by(session, holder)]

    def facts(self, lot_id: LotId) -> LotFacts:
        """What the lot's birth settled for good: the transformation that made it and its loss, the losses
        and late declarations below it, and the mines of its gold (stored by the sync).

        Raises:
            UnknownLot: The index has no lot with this id.
        """
        start = _lots.checked_id(lot_id)
        with self._database.session() as session:
            found = _facts.facts(session, [start])
        if start not in found:
            raise UnknownLot(lot_id=lot_id)
        return found[start]

    def ancestry(self, lot_id: LotId, *, limit: int | None = None, facts: LotFacts | None = None) -> Ancestry:
        """A lot's provenance as transformations (what each was made from), walking at most `limit` of
        them (and ore lots) nearest first, or all of them: one query whose work grows with lots, not with
        parent edges.

        Raises:
            UnknownLot: The index has no lot with this id.
        """
        start = facts if facts is not None else self.facts(lot_id)
        with self._database.session() as session:
            return _ancestry.ancestry(session, start, limit)

    def losses_out_of_band(
        self, lot_id: LotId, band: tuple[float, float], *, facts: LotFacts | None = None
    ) -> list[Transformation]:
        """The transformations of a lot's provenance (its own included) that lost a share of their fine gold
        outside `band` (lowest, highest), in the order of their first outputs.

        Raises:
            UnknownLot: The index has no lot with this id.
        """
        start = facts if facts is not None else self.facts(lot_id)
        with self._database.session() as session:
            return _ancestry.out_of_band(session, start, *band)

    def late_declarations(self, lot_id: LotId, *, facts: LotFacts | None = None) -> list[LotId]:
        """The ore lots of a lot's provenance (itself included) declared after the permit their mine then
        had expired, by id.

        Raises:
            UnknownLot: The index has no lot with this id.
        """
        start = facts if facts is not None else self.facts(lot_id)
        with self._database.session() as session:
            return [LotId(lot) for lot in _ancestry.declared_late(session, start)]

    def transformation_of(self, lot_id: LotId) -> tuple[list[Lot], list[Lot]]:
        """The inputs and all the outputs of the transformation that produced `lot_id` (empty for ore)."""
        with self._database.session() as session:
            return _lots.transformation_of(session, lot_id)

    # ------------------------------------------------------------------ passports (the library's own checks)

    def passport_versions(self, lot_id: LotId) -> list[PassportVersion]:
        """Every recorded passport version of a lot (root and URI), oldest first."""
        return _passports.versions(self, lot_id)

    def verify_document(self, lot_id: LotId, data: bytes, store: DocumentStore) -> DocumentMatch | None:
        """Which passport version (the latest) and field of a lot cite a document with these bytes' SHA-256
        (as `Client.verify_document`), or None for a tampered or foreign document."""
        return _passports.find_document(self, store, lot_id, data)

    def carbon(self, lot_id: LotId, store: DocumentStore) -> CarbonFootprint:
        """The lot's embodied carbon over its provenance (as `Client.carbon`).

        Raises:
            UnknownLot: The index has no lot with this id.
            DisclosureMismatch: A passport package in the store fails its checks against its root.
        """
        return self.carbon_over(self.lot(lot_id), self.ancestry(lot_id), store)

    def carbon_over(
        self, lot: Lot, ancestry: Ancestry, store: DocumentStore, emissions: Emissions | None = None
    ) -> CarbonFootprint:
        """The carbon footprint of a lot over its ancestry already walked: all of it when the walk was
        complete, else the part walked.

        Args:
            lot: The lot.
            ancestry: Its ancestry (`ancestry`).
            store: The document store holding the passports.
            emissions: What passports already read reported, by (root, URI), kept between calls.

        Raises:
            DisclosureMismatch: A passport package in the store fails its checks against its root.
        """
        with self._database.session() as session:
            return _carbon.footprint(session, store, ancestry, lot, emissions)

    # ------------------------------------------------------------------ mines

    def mine(self, mine_id: MineId) -> Mine:
        """A mine's record as indexed; `declared_this_year_mg` counts the UTC year of the last indexed block.

        Raises:
            UnknownMine: The index has no mine with this id.
        """
        if isinstance(mine_id, bool) or not isinstance(mine_id, int):
            raise InvalidInput(f"A mine id is a whole number, not {mine_id!r}")
        if not 0 <= mine_id < 2**63:
            raise UnknownMine(mine_id=mine_id)
        with self._database.session() as session:
            found = _mines.mines(session, [mine_id])
        if not found:
            raise UnknownMine(mine_id=mine_id)
        return found[MineId(mine_id)]

    def mines_of(self, mine_ids: Collection[int], *, now: int | None = None) -> dict[MineId, Mine]:
        """Mines by id (as `mine` reads each); unknown ids are left out.

        Args:
            mine_ids: The mines.
            now: The index's now (`head_time`), if the caller has read it: the year it falls in is the one
                `declared_this_year_mg` counts.
        """
        with self._database.session() as session:
            return _mines.mines(session, [m for m in mine_ids if 0 <= m < 2**63], now=now)

    def mines(self) -> list[Mine]:
        """Every registered mine, by id."""
        with self._database.session() as session:
            return _mines.all_mines(session)

    def mine_of_operator(self, operator: str) -> Mine | None:
        """The mine `operator` operates, if any."""
        address = Web3.to_checksum_address(operator)
        with self._database.session() as session:
            return _mines.operated_by(session, address)

    def lots_of_mine(self, mine_id: MineId, *, limit: int = 200) -> list[Lot]:
        """The ore lots declared from a mine, newest first (at most `limit`)."""
        with self._database.session() as session:
            ids = _mines.ore_lot_ids(session, mine_id, limit)
            found = _lots.lots(session, ids)
        return [found[LotId(i)] for i in ids]

    def declared_in_year(self, mine_id: MineId, year: int) -> int:
        """Fine gold (mg) the mine declared in a UTC calendar year."""
        with self._database.session() as session:
            return _mines.declared_in_year(session, mine_id, year)

    def declarations_between(self, mine_id: MineId, since: int, until: int) -> int:
        """How many ore lots the mine declared in blocks of time `since` < t <= `until` (Unix seconds)."""
        with self._database.session() as session:
            return _mines.declarations_between(session, mine_id, since, until)

    def permit_expiry_at(self, mine_id: MineId, block_number: int, log_index: int) -> int | None:
        """The permit expiry the mine had at a point of the chain (None if not yet registered)."""
        with self._database.session() as session:
            return _mines.permit_expiry_at(session, mine_id, block_number, log_index)

    def role_of(self, address: str) -> Role | None:
        """The role `address` is admitted with, or None."""
        account = Web3.to_checksum_address(address)
        with self._database.session() as session:
            return _mines.role_of(session, account)

    # ------------------------------------------------------------------ attestations

    def attestations(
        self, *, lot_ids: Collection[int] = (), mine_ids: Collection[int] = ()
    ) -> list[AnchoredCredential]:
        """The credentials anchored about any of these lots or mines, in chain order, with their status
        index and revocation (two queries)."""
        with self._database.session() as session:
            return _attestations.about(session, lot_ids, mine_ids)

    def revoked_indices(self, attester: str) -> list[int] | None:
        """The status list indices of the attester's revoked credentials; None if it never anchored one."""
        account = Web3.to_checksum_address(attester)
        with self._database.session() as session:
            if not _attestations.has_anchored(session, account):
                return None
            return _attestations.revoked_indices(session, account)

    # ------------------------------------------------------------------ search

    def search(self, query: str) -> SearchResults:
        """Lots and mines matching a query: a lot or mine id ("42", "lot 42", "mine 3"), an external
        reference, a bar's serial number, or an address (the mine it operates and the lots it holds)."""
        with self._database.session() as session:
            return _search.search(session, query)


def open_index(
    deployment: Deployment | str | os.PathLike[str],
    *,
    rpc_url: str | None = None,
    database_url: str | None = None,
    confirmations: int = 0,
    blocks_per_step: int = DEFAULT_BLOCKS_PER_STEP,
    max_log_range: int | None = None,
    request_timeout: float = 30.0,
    pool_size: int = 8,
    pool_overflow: int = 8,
    pool_timeout: float = 5.0,
) -> Index:
    """Opens (creating or migrating it as needed) the index of a deployment.

    Args:
        deployment: A `Deployment`, or the path of its manifest.
        rpc_url: The node to sync from; None opens it read-only.
        database_url: `sqlite:///path` or a PostgreSQL DSN; by default `default_database_url(deployment)`.
        confirmations: How many blocks behind the head the sync stops (0 follows the head; a reorg deeper
            than this is still caught, by the stored block hashes).
        blocks_per_step: Blocks per step: one database transaction, its logs read in two `eth_getLogs` sent
            at once (each part written as it arrives).
        max_log_range: The most blocks one `eth_getLogs` may span, for nodes that cap it.
        request_timeout: Seconds to wait for any single RPC response.
        pool_size: Database connections kept open for the threads that read and sync.
        pool_overflow: Connections opened beyond `pool_size` when they are all in use (closed after).
        pool_timeout: Seconds a read waits for a connection when all are in use, before it fails with
            `IndexBusy` (the explorer answers 503 with Retry-After).

    Raises:
        InvalidInput: A pool setting is out of range.
        IndexDatabaseError: The database cannot be opened or migrated.
        IndexMismatch: The database already indexes another deployment.
        RpcUnavailable: The node cannot be reached.
        DeploymentMismatch: The node serves another chain.
    """
    pool = PoolSettings(size=pool_size, overflow=pool_overflow, timeout=pool_timeout)
    if not isinstance(deployment, Deployment):
        deployment = Deployment.load(deployment)
    # A bad URL is reported before the node is asked anything.
    url = engine_url(database_url or default_database_url(deployment))
    chain = None
    if rpc_url is not None:
        chain, _ = open_chain(
            rpc_url, deployment, request_timeout=request_timeout, max_log_range=max_log_range
        )
    engine = open_database(deployment, url, pool)
    return Index(engine, deployment, chain, confirmations=confirmations, blocks_per_step=blocks_per_step)
