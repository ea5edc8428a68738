"""`Index`: the contract's events copied into SQL, so that a lookup is a query rather than a walk over logs.

The sync reads `eth_getLogs` from the deployment block in steps, one database transaction per step (so a
sync killed at any point resumes from the last step it committed, with no gap and no duplicate), and stops
`confirmations` blocks behind the head. Before each sync it checks that the last block it indexed still has
the hash it stored; if not (a reorg), it walks back over the blocks it stored to the newest one the chain
still has and deletes every row after it, then reads forward again.

Reads return the library's own records (`Lot`, `Mine`, `Provenance`, the `HistoryEvent`s), exactly as
`Client` rebuilds them from the chain, so the passport checks of `filon` run unchanged over either.
"""

from __future__ import annotations

import datetime
import os
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import BigInteger, Engine, create_engine, delete, event, func, literal, select, union
from sqlalchemy.engine import Connection, Row, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3
from web3.types import LogReceipt

from filon import _passports
from filon._chain import Chain
from filon._deployment import Deployment, open_chain
from filon._errors import FilonError, InvalidInput, UnknownLot, UnknownMine
from filon._passports import DocumentMatch, PassportVersion
from filon._types import (
    Consumed,
    Declared,
    Form,
    HistoryEvent,
    Lot,
    LotId,
    Mine,
    MineId,
    MineStatus,
    PassportRecorded,
    Produced,
    Provenance,
    Role,
    Transferred,
)
from filon.index._models import (
    BLOCK_TABLES,
    IndexedBlock,
    LotRow,
    MineEventRow,
    ParentRow,
    ParticipantRow,
    PassportRow,
    SyncState,
    TransferRow,
)
from filon.passport._carbon import CarbonFootprint
from filon.passport._store import DocumentStore

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_ZERO_HASH = bytes(32)
DEFAULT_BLOCKS_PER_STEP = 2_000
_HASH_CHECKS_PER_REQUEST = 64
# How many times one sync goes back to a fork it found mid-way before leaving the rest to the next sync.
_MAX_REWINDS_PER_SYNC = 3


class IndexDatabaseError(FilonError):
    """The index's database cannot be opened, migrated, read or written."""


class IndexMismatch(IndexDatabaseError):
    """The database already indexes another deployment."""


class IndexReadOnly(FilonError):
    """The index was opened without an RPC URL, so it cannot sync."""


@dataclass(frozen=True)
class SyncReport:
    """What one `Index.sync` did.

    Attributes:
        from_block: The first block read (after any rewind).
        to_block: The last block now indexed.
        events: How many of the contract's events were stored.
        rewound_to: The block the index went back to after a reorg, or None if there was none.
    """

    from_block: int
    to_block: int
    events: int
    rewound_to: int | None = None


@dataclass(frozen=True)
class Timed:
    """A history entry with the time of its block (Unix seconds)."""

    event: HistoryEvent
    timestamp: int


@dataclass(frozen=True)
class SearchResults:
    """What a free-text search found: lots by id or external reference, mines by id or operator."""

    query: str
    lots: list[Lot] = field(default_factory=list)
    mines: list[Mine] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.lots and not self.mines


def default_database_url(deployment: Deployment, data_folder: str | os.PathLike[str] | None = None) -> str:
    """`FILON_DATABASE_URL` if set, else an SQLite file per deployment under the data folder.

    Args:
        deployment: The deployment indexed.
        data_folder: Where Filón keeps its data (default `FILON_DATA`, else `.filon` in the working folder).
    """
    configured = os.environ.get("FILON_DATABASE_URL")
    if configured:
        return configured
    folder = Path(data_folder or os.environ.get("FILON_DATA") or ".filon") / "index"
    return f"sqlite:///{folder / f'{deployment.chain_id}-{deployment.address.lower()}.sqlite'}"


def _engine_url(database_url: str) -> str:
    """SQLAlchemy's URL for a DSN: a plain `postgresql://` DSN is driven by psycopg 3."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise InvalidInput(
            "The database URL is not a URL (e.g. sqlite:///path/index.sqlite or postgresql://user@host/db)"
        ) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername.startswith("postgresql"):
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise IndexDatabaseError(
                "PostgreSQL needs the psycopg driver: pip install 'filon[postgres]'"
            ) from None
    elif not url.drivername.startswith("sqlite"):
        raise InvalidInput(f"The index keeps its data in SQLite or PostgreSQL, not {url.drivername!r}")
    return url.render_as_string(hide_password=False)


def _shown(database_url: str) -> str:
    """A database URL fit for messages: no password."""
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(invalid URL)"


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    cursor = connection.cursor()
    # WAL lets the explorer read while the sync writes; NORMAL is durable across a process crash.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _migrate(connection: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _country(value: bytes) -> str:
    return bytes(value).decode("latin-1")


def _year(timestamp: int) -> int:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).year


def _year_start(year: int) -> int:
    return int(datetime.datetime(year, 1, 1, tzinfo=datetime.UTC).timestamp())


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
        self._chain = chain
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"<filon.Index {self.deployment.address} on chain {self.deployment.chain_id} in {self.url}>"

    @property
    def url(self) -> str:
        """The database URL, without its password."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        """Closes the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            with self._sessions() as session:
                yield session
        except DatabaseError as exc:  # OperationalError (gone, locked), a corrupted file, ...
            raise IndexDatabaseError(f"The index database {self.url} failed: {exc.orig}") from None

    # ------------------------------------------------------------------ sync

    @property
    def last_block(self) -> int:
        """The last block the index has read (the deployment block - 1 before the first sync)."""
        with self._session() as session:
            state = session.get(SyncState, 1)
            assert state is not None
            return state.last_block

    def _require_chain(self) -> Chain:
        if self._chain is None:
            raise IndexReadOnly("This index was opened without an RPC URL: it can be read but not synced")
        return self._chain

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

        Raises:
            RpcUnavailable, RpcError: The node failed; what was committed stays.
            IndexDatabaseError: The database failed.
        """
        chain = self._require_chain()
        rewound = self._rewind_if_reorged(chain)
        first = self.last_block + 1
        stored: Counter[int] = Counter()  # events stored, by block: a rewind mid-way takes some back
        for _ in range(_MAX_REWINDS_PER_SYNC + 1):
            target = chain.block_number() - self.confirmations
            if to_block is not None:
                target = min(target, to_block)
            changed = False
            while (start := self.last_block + 1) <= target:
                end = min(start + self.blocks_per_step - 1, target)
                step_events = self._sync_step(chain, start, end)
                if step_events is None:
                    changed = True
                    break
                stored.update(step_events)
                if progress is not None:
                    progress(end, target)
            if not changed:
                break
            # The chain changed under this sync (a reorg, possibly below blocks it already committed):
            # go back to the fork, if there is one, and read on from there.
            fork = self._rewind_if_reorged(chain)
            if fork is not None:
                rewound = fork if rewound is None else min(rewound, fork)
                first = min(first, fork + 1)
                for number in [n for n in stored if n > fork]:
                    del stored[number]
        return SyncReport(
            from_block=first, to_block=self.last_block, events=stored.total(), rewound_to=rewound
        )

    def _headers(self, chain: Chain, numbers: Sequence[int]) -> dict[int, tuple[bytes, int]]:
        """(hash, timestamp) of blocks by number; a block the node no longer has is left out."""
        answers = chain.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        found: dict[int, tuple[bytes, int]] = {}
        for number, block in zip(numbers, answers, strict=True):
            if isinstance(block, FilonError):
                raise block
            if block is not None:
                found[number] = (bytes.fromhex(block["hash"][2:]), int(block["timestamp"], 16))
        return found

    @staticmethod
    def _anchor(session: Session, at_most: int) -> IndexedBlock | None:
        """The newest stored block at or below `at_most` (None before the first step): what the blocks after
        it must build on. Every block with rows is stored, and so is the end of every step."""
        return session.scalar(
            select(IndexedBlock)
            .where(IndexedBlock.number <= at_most)
            .order_by(IndexedBlock.number.desc())
            .limit(1)
        )

    def _rewind_if_reorged(self, chain: Chain) -> int | None:
        with self._session() as session:
            state = session.get(SyncState, 1)
            assert state is not None
            stored = self._anchor(session, state.last_block)
        if stored is None:  # nothing indexed yet
            return None
        if self._headers(chain, [stored.number]).get(stored.number, (b"", 0))[0] == stored.hash:
            return None
        fork = self.deployment.deployment_block - 1
        with self._session() as session:
            known = session.execute(
                select(IndexedBlock.number, IndexedBlock.hash).order_by(IndexedBlock.number.desc())
            ).all()
        for start in range(0, len(known), _HASH_CHECKS_PER_REQUEST):
            page = known[start : start + _HASH_CHECKS_PER_REQUEST]
            current = self._headers(chain, [number for number, _ in page])
            match = next((n for n, h in page if current.get(n, (b"", 0))[0] == h), None)
            if match is not None:
                fork = match
                break
        self.rewind(fork)
        return fork

    def rewind(self, block: int) -> None:
        """Forgets everything after `block` (the next sync reads it again).

        The index then stands at the newest block it stored up to `block` (blocks in between held none of
        the contract's events), whose hash the next sync checks against the chain.
        """
        with self._session() as session, session.begin():
            for table in BLOCK_TABLES:
                session.execute(delete(table).where(table.block_number > block))
            session.execute(delete(IndexedBlock).where(IndexedBlock.number > block))
            state = session.get(SyncState, 1)
            assert state is not None
            anchor = self._anchor(session, block)
            standing = anchor.number if anchor is not None else self.deployment.deployment_block - 1
            state.last_block = min(state.last_block, standing)

    def _sync_step(self, chain: Chain, start: int, end: int) -> Counter[int] | None:
        """Stores the events of blocks `start`..`end` in one transaction; returns how many, by block. None if
        the chain changed meanwhile (nothing stored), nothing if another sync stored them first."""
        with self._session() as session:
            anchor = self._anchor(session, start - 1)
        before = self._headers(chain, [end]).get(end)
        logs = chain.logs(self.deployment.address, [], from_block=start, to_block=end)
        numbers = sorted({int(log["blockNumber"]) for log in logs} | {end})
        headers = self._headers(chain, numbers + ([anchor.number] if anchor is not None else []))
        # A block's hash commits to its parent's: `end` unchanged across the read means the whole range is,
        # and the anchor unchanged means the range continues the branch already indexed (a reorg between
        # two steps of one sync would otherwise stack the new branch on the old one's rows).
        if anchor is not None and headers.pop(anchor.number, (b"", 0))[0] != anchor.hash:
            return None
        if before is None or headers.get(end) != before:
            return None
        for log in logs:
            header = headers.get(int(log["blockNumber"]))
            if header is None or header[0] != bytes(log["blockHash"]):
                return None
        rows, events = self._rows(chain, logs)
        try:
            with self._session() as session, session.begin():
                # Locks the row on PostgreSQL, so that two syncs of one database take turns.
                state = session.get(SyncState, 1, with_for_update=True)
                assert state is not None
                if state.last_block != start - 1:  # another sync stored these blocks first
                    return Counter()
                self._store(session, state, rows, headers, end)
        except (IntegrityError, IndexDatabaseError) as exc:
            if self.last_block >= end:  # another sync won the race for these blocks
                return Counter()
            raise IndexDatabaseError(
                f"The index database {self.url} refused blocks {start}-{end}: {exc}"
            ) from None
        return events

    @staticmethod
    def _store(
        session: Session, state: SyncState, rows: list[Any], headers: dict[int, tuple[bytes, int]], end: int
    ) -> None:
        session.add_all(rows)
        # New rows, not merges (a SELECT each): nothing after the last step is stored, even after a rewind.
        session.add_all(
            IndexedBlock(number=number, hash=block_hash, timestamp=timestamp)
            for number, (block_hash, timestamp) in headers.items()
        )
        state.last_block = end

    def _rows(self, chain: Chain, logs: Iterable[LogReceipt]) -> tuple[list[Any], Counter[int]]:
        """The rows of the contract's events in `logs`, and how many events each block holds."""
        rows: list[Any] = []
        events: Counter[int] = Counter()
        minted_to: dict[int, str] = {}
        born: list[LotRow] = []
        for log in logs:
            decoded = chain.decode_log(log)
            if decoded is None:
                continue
            name, args = decoded
            at = {"block_number": int(log["blockNumber"]), "log_index": int(log["logIndex"])}
            events[at["block_number"]] += 1
            tx = bytes(log["transactionHash"])
            if name == "Transfer":
                lot_id = int(args["tokenId"])
                if args["from"] == ZERO_ADDRESS:
                    minted_to[lot_id] = args["to"]
                rows.append(
                    TransferRow(
                        **at,
                        transaction_hash=tx,
                        lot_id=lot_id,
                        from_address=args["from"],
                        to_address=args["to"],
                    )
                )
            elif name in ("LotDeclared", "LotProduced"):
                lot_id = int(args["lotId"])
                declared = name == "LotDeclared"
                lot = LotRow(
                    id=lot_id,
                    **at,
                    transaction_hash=tx,
                    form=int(Form.ORE) if declared else int(args["form"]),
                    fine_gold_mg=int(args["fineGoldMg"]),
                    gross_mass_mg=int(args["grossMassMg"]),
                    mine_id=int(args["mineId"]) if declared else None,
                    issuer="",
                    external_ref=args["externalRef"] if declared else "",
                )
                born.append(lot)
                rows.append(lot)
                if not declared:
                    rows.extend(
                        ParentRow(
                            child_id=lot_id,
                            parent_id=int(parent),
                            position=position,
                            block_number=at["block_number"],
                        )
                        for position, parent in enumerate(args["parents"])
                    )
                rows.append(
                    PassportRow(
                        lot_id=lot_id,
                        version=1,
                        **at,
                        transaction_hash=tx,
                        root=bytes(args["passportRoot"]),
                        uri=args["passportURI"],
                    )
                )
            elif name == "PassportRecorded":
                rows.append(
                    PassportRow(
                        lot_id=int(args["lotId"]),
                        version=int(args["version"]),
                        **at,
                        transaction_hash=tx,
                        root=bytes(args["passportRoot"]),
                        uri=args["passportURI"],
                    )
                )
            elif name.startswith("Mine"):
                rows.append(self._mine_row(name, args, at))
            elif name == "ParticipantRegistered":
                rows.append(ParticipantRow(**at, account=args["account"], role=int(args["role"])))
            elif name == "ParticipantRemoved":
                rows.append(ParticipantRow(**at, account=args["account"], role=None))
        for lot in born:  # the mint and the birth event share a transaction, hence a step
            lot.issuer = minted_to.get(lot.id, ZERO_ADDRESS)
        return rows, events

    @staticmethod
    def _mine_row(name: str, args: dict[str, Any], at: dict[str, int]) -> MineEventRow:
        mine_id = int(args["mineId"])
        if name == "MineRegistered":
            return MineEventRow(
                **at,
                mine_id=mine_id,
                kind="registered",
                operator=args["operator"],
                country=_country(args["country"]),
                status=int(MineStatus.ACTIVE),
                permit_expiry=int(args["permitExpiry"]),
                capacity_mg=int(args["capacityMg"]),
                permit_hash=bytes(args["permitHash"]),
                location_hash=bytes(args["locationHash"]),
                passport_hash=bytes(args["passportHash"]),
            )
        if name == "MinePermitUpdated":
            return MineEventRow(
                **at,
                mine_id=mine_id,
                kind="permit",
                permit_hash=bytes(args["permitHash"]),
                permit_expiry=int(args["permitExpiry"]),
            )
        if name == "MineCapacityUpdated":
            return MineEventRow(**at, mine_id=mine_id, kind="capacity", capacity_mg=int(args["capacityMg"]))
        if name == "MinePassportUpdated":
            return MineEventRow(
                **at, mine_id=mine_id, kind="passport", passport_hash=bytes(args["passportHash"])
            )
        return MineEventRow(**at, mine_id=mine_id, kind="status", status=int(args["status"]))

    # ------------------------------------------------------------------ lots

    def _lots(self, session: Session, ids: Collection[int]) -> dict[LotId, Lot]:
        """Lots by id, in three queries whatever their number."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        births = {row.id: row for row in self._in(session, select(LotRow.__table__), LotRow.id, wanted)}
        parents: dict[int, list[Row[Any]]] = {}
        for row in self._in(session, select(ParentRow.__table__), ParentRow.child_id, wanted):
            parents.setdefault(row.child_id, []).append(row)
        latest_transfer = (
            select(
                TransferRow.lot_id,
                func.max(TransferRow.block_number * 1_000_000 + TransferRow.log_index).label("position"),
            )
            .where(TransferRow.lot_id.in_(wanted))
            .group_by(TransferRow.lot_id)
            .subquery()
        )
        holders: dict[int, str] = {}
        for lot_id, holder in session.execute(
            select(TransferRow.lot_id, TransferRow.to_address).join(
                latest_transfer,
                (TransferRow.lot_id == latest_transfer.c.lot_id)
                & (
                    TransferRow.block_number * 1_000_000 + TransferRow.log_index == latest_transfer.c.position
                ),
            )
        ):
            holders[lot_id] = holder
        passports: dict[int, Row[Any]] = {}
        for row in self._in(session, select(PassportRow.__table__), PassportRow.lot_id, wanted):
            if row.lot_id not in passports or row.version > passports[row.lot_id].version:
                passports[row.lot_id] = row
        lots: dict[LotId, Lot] = {}
        for lot_id in wanted:
            birth = births.get(lot_id)
            if birth is None:
                continue
            holder = holders.get(lot_id, ZERO_ADDRESS)
            passport = passports[lot_id]
            lots[LotId(lot_id)] = Lot(
                id=LotId(lot_id),
                holder=None if holder == ZERO_ADDRESS else holder,
                form=Form(birth.form),
                fine_gold_mg=birth.fine_gold_mg,
                gross_mass_mg=birth.gross_mass_mg,
                mine_id=MineId(birth.mine_id) if birth.mine_id is not None else None,
                parents=tuple(
                    LotId(p.parent_id) for p in sorted(parents.get(lot_id, []), key=lambda p: p.position)
                ),
                consumed=holder == ZERO_ADDRESS,
                passport_root=passport.root,
                passport_version=passport.version,
                passport_uri=passport.uri,
                external_ref=birth.external_ref,
            )
        return lots

    @staticmethod
    def _in(session: Session, query: Any, column: Any, values: Sequence[int]) -> list[Row[Any]]:
        """Rows of `query` (a table's select) whose `column` is in `values`, in chunks that every database
        accepts. Plain rows, their attributes named as the columns, not ORM objects: a provenance of 1,000
        ancestors reads thousands of them, and building ORM objects took most of its time."""
        found: list[Row[Any]] = []
        for start in range(0, len(values), 500):
            found.extend(session.execute(query.where(column.in_(values[start : start + 500]))).all())
        return found

    @staticmethod
    def _lot_id(lot_id: int) -> int:
        """A lot id fit for a query; out of any lot's range is simply unknown."""
        if isinstance(lot_id, bool) or not isinstance(lot_id, int):
            raise InvalidInput(f"A lot id is a whole number, not {lot_id!r}")
        if not 0 <= lot_id < 2**63:
            raise UnknownLot(lot_id=lot_id)
        return lot_id

    def lot(self, lot_id: LotId) -> Lot:
        """A lot as indexed (`Client.lot` reads the same from the chain).

        Raises:
            UnknownLot: The index has no lot with this id.
        """
        with self._session() as session:
            found = self._lots(session, [self._lot_id(lot_id)])
        if not found:
            raise UnknownLot(lot_id=lot_id)
        return found[LotId(lot_id)]

    def has_lot(self, lot_id: int) -> bool:
        """Whether the index has this lot."""
        if isinstance(lot_id, bool) or not isinstance(lot_id, int) or not 0 <= lot_id < 2**63:
            return False
        with self._session() as session:
            return session.get(LotRow, lot_id) is not None

    def lot_count(self) -> int:
        """How many lots have been minted (consumed ones included)."""
        with self._session() as session:
            return int(session.scalar(select(func.count()).select_from(LotRow)) or 0)

    def ancestors(self, lot_id: LotId) -> list[LotId]:
        """Every lot `lot_id` was made from, down to the ore lots: one recursive SQL query."""
        start = self._lot_id(lot_id)
        tree = (
            select(ParentRow.parent_id.label("id"))
            .where(ParentRow.child_id == start)
            .cte("ancestry", recursive=True)
        )
        tree = tree.union(select(ParentRow.parent_id).join(tree, ParentRow.child_id == tree.c.id))
        with self._session() as session:
            return sorted(LotId(i) for i in session.scalars(select(tree.c.id)))

    def children(self, lot_id: LotId) -> list[LotId]:
        """The lots produced from `lot_id` (empty while it is live)."""
        with self._session() as session:
            return sorted(
                LotId(i)
                for i in session.scalars(select(ParentRow.child_id).where(ParentRow.parent_id == lot_id))
            )

    def provenance(self, lot_id: LotId) -> Provenance:
        """The ancestry of a lot down to its mines (as `Client.provenance`), in four queries.

        Raises:
            UnknownLot: The index has no lot with this id.
        """
        start = self._lot_id(lot_id)
        # BigInteger: PostgreSQL types the recursive CTE by its first term, which must match lot_parents' ids.
        tree = select(literal(start, BigInteger).label("id")).cte("ancestry", recursive=True)
        tree = tree.union(select(ParentRow.parent_id).join(tree, ParentRow.child_id == tree.c.id))
        with self._session() as session:
            ids = list(session.scalars(select(tree.c.id)))
            lots = self._lots(session, ids)
            if LotId(start) not in lots:
                raise UnknownLot(lot_id=start)
            mine_ids = sorted({lot.mine_id for lot in lots.values() if lot.mine_id is not None})
            mines = self._mines(session, mine_ids)
        edges = tuple(sorted((parent, child) for child, lot in lots.items() for parent in lot.parents))
        return Provenance(lot_id=LotId(start), lots=dict(sorted(lots.items())), edges=edges, mines=mines)

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
        lot_id = LotId(self._lot_id(lot_id))
        with self._session() as session:
            birth = session.get(LotRow, lot_id)
            if birth is None:
                raise UnknownLot(lot_id=lot_id)
            transfers = list(
                session.scalars(
                    select(TransferRow)
                    .where(TransferRow.lot_id == lot_id)
                    .order_by(TransferRow.block_number, TransferRow.log_index)
                )
            )
            passports = list(
                session.scalars(
                    select(PassportRow).where(PassportRow.lot_id == lot_id).order_by(PassportRow.version)
                )
            )
            parents = tuple(
                LotId(p)
                for p in session.scalars(
                    select(ParentRow.parent_id)
                    .where(ParentRow.child_id == lot_id)
                    .order_by(ParentRow.position)
                )
            )
            outputs = tuple(
                LotId(c)
                for c in session.scalars(
                    select(ParentRow.child_id)
                    .where(ParentRow.parent_id == lot_id)
                    .order_by(ParentRow.child_id)
                )
            )
            blocks = {b.block_number for b in transfers} | {p.block_number for p in passports}
            times = self._times(session, blocks)
        holder = next((t.to_address for t in transfers if t.from_address == ZERO_ADDRESS), ZERO_ADDRESS)
        first = passports[0]
        entries: list[Timed] = []
        born: HistoryEvent
        if birth.mine_id is not None:
            born = Declared(
                lot_id=lot_id,
                block_number=birth.block_number,
                log_index=birth.log_index,
                transaction_hash=_hex(birth.transaction_hash),
                holder=holder,
                mine_id=MineId(birth.mine_id),
                fine_gold_mg=birth.fine_gold_mg,
                gross_mass_mg=birth.gross_mass_mg,
                passport_root=first.root,
                passport_uri=first.uri,
                external_ref=birth.external_ref,
            )
        else:
            born = Produced(
                lot_id=lot_id,
                block_number=birth.block_number,
                log_index=birth.log_index,
                transaction_hash=_hex(birth.transaction_hash),
                holder=holder,
                form=Form(birth.form),
                fine_gold_mg=birth.fine_gold_mg,
                gross_mass_mg=birth.gross_mass_mg,
                parents=parents,
                passport_root=first.root,
                passport_uri=first.uri,
            )
        entries.append(Timed(born, times[birth.block_number]))
        for passport in passports[1:]:
            recorded = PassportRecorded(
                lot_id=lot_id,
                block_number=passport.block_number,
                transaction_hash=_hex(passport.transaction_hash),
                log_index=passport.log_index,
                version=passport.version,
                passport_root=passport.root,
                passport_uri=passport.uri,
            )
            entries.append(Timed(recorded, times[passport.block_number]))
        for transfer in transfers:
            if transfer.from_address == ZERO_ADDRESS:
                continue  # the mint: part of Declared / Produced
            tx = _hex(transfer.transaction_hash)
            moved: HistoryEvent
            if transfer.to_address == ZERO_ADDRESS:
                moved = Consumed(
                    lot_id=lot_id,
                    block_number=transfer.block_number,
                    transaction_hash=tx,
                    log_index=transfer.log_index,
                    holder=transfer.from_address,
                    outputs=outputs,
                )
            else:
                moved = Transferred(
                    lot_id=lot_id,
                    block_number=transfer.block_number,
                    transaction_hash=tx,
                    log_index=transfer.log_index,
                    from_address=transfer.from_address,
                    to_address=transfer.to_address,
                )
            entries.append(Timed(moved, times[transfer.block_number]))
        entries.sort(key=lambda entry: (entry.event.block_number, entry.event.log_index))
        return entries

    def _times(self, session: Session, blocks: Iterable[int]) -> dict[int, int]:
        return {
            row.number: row.timestamp
            for row in self._in(
                session, select(IndexedBlock.__table__), IndexedBlock.number, sorted(set(blocks))
            )
        }

    def last_activity(self, lot_ids: Collection[int]) -> dict[LotId, int]:
        """The time (Unix seconds) of the latest event of each lot: birth, transfer or passport version."""
        wanted = sorted(set(lot_ids))
        latest: dict[LotId, int] = {}
        with self._session() as session:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                moved = select(
                    TransferRow.lot_id.label("lot"), TransferRow.block_number.label("block")
                ).where(TransferRow.lot_id.in_(chunk))
                recorded = select(PassportRow.lot_id, PassportRow.block_number).where(
                    PassportRow.lot_id.in_(chunk)
                )
                both = union(moved, recorded).subquery()
                query = (
                    select(both.c.lot, func.max(IndexedBlock.timestamp))
                    .join(IndexedBlock, IndexedBlock.number == both.c.block)
                    .group_by(both.c.lot)
                )
                for lot_id, timestamp in session.execute(query):
                    latest[LotId(lot_id)] = int(timestamp)
        return latest

    def head_time(self) -> int:
        """The time of the last block indexed (Unix seconds): the index's "now"."""
        with self._session() as session:
            timestamp = session.scalar(select(IndexedBlock.timestamp).order_by(IndexedBlock.number.desc()))
        return int(timestamp or 0)

    def block_time(self, block_number: int) -> int | None:
        """The time of an indexed block, or None if the index did not keep it."""
        with self._session() as session:
            row = session.get(IndexedBlock, block_number)
        return row.timestamp if row is not None else None

    def lots_by_external_ref(self, external_ref: str) -> list[Lot]:
        """The lots declared with this external reference (unique per issuer, so possibly several)."""
        with self._session() as session:
            ids = list(session.scalars(select(LotRow.id).where(LotRow.external_ref == external_ref)))
            return list(self._lots(session, ids).values())

    def lots_of(self, address: str) -> list[LotId]:
        """The live lots `address` holds now."""
        holder = Web3.to_checksum_address(address)
        with self._session() as session:
            received = list(
                session.scalars(select(TransferRow.lot_id).where(TransferRow.to_address == holder))
            )
            return sorted(lot.id for lot in self._lots(session, received).values() if lot.holder == holder)

    def transformation_of(self, lot_id: LotId) -> tuple[list[Lot], list[Lot]]:
        """The inputs and all the outputs of the transformation that produced `lot_id` (empty for ore)."""
        with self._session() as session:
            inputs = list(session.scalars(select(ParentRow.parent_id).where(ParentRow.child_id == lot_id)))
            if not inputs:
                return [], []
            outputs = list(
                session.scalars(select(ParentRow.child_id).where(ParentRow.parent_id.in_(inputs)).distinct())
            )
            lots = self._lots(session, set(inputs) | set(outputs))
        return [lots[LotId(i)] for i in sorted(inputs)], [lots[LotId(o)] for o in sorted(outputs)]

    # ------------------------------------------------------------------ passports (the library's own checks)

    def passport_versions(self, lot_id: LotId) -> list[PassportVersion]:
        """Every recorded passport version of a lot (root and URI), oldest first."""
        return _passports.versions(self, lot_id)

    def verify_document(self, lot_id: LotId, data: bytes, store: DocumentStore) -> DocumentMatch | None:
        """Which passport version (the latest) and field of a lot cite a document with these bytes' SHA-256
        (as `Client.verify_document`), or None for a tampered or foreign document."""
        return _passports.find_document(self, store, lot_id, data)

    def carbon(self, lot_id: LotId, store: DocumentStore) -> CarbonFootprint:
        """The lot's embodied carbon over its provenance (as `Client.carbon`)."""
        return _passports.footprint(self, store, lot_id)

    # ------------------------------------------------------------------ mines

    def _mines(self, session: Session, mine_ids: Collection[int]) -> dict[MineId, Mine]:
        wanted = sorted(set(mine_ids))
        if not wanted:
            return {}
        events = sorted(
            self._in(session, select(MineEventRow.__table__), MineEventRow.mine_id, wanted),
            key=lambda row: (row.block_number, row.log_index),
        )
        state: dict[int, dict[str, Any]] = {}
        for row in events:
            record = state.setdefault(row.mine_id, {})
            for column in (
                "operator",
                "country",
                "status",
                "permit_expiry",
                "capacity_mg",
                "permit_hash",
                "location_hash",
                "passport_hash",
            ):
                value = getattr(row, column)
                if value is not None:
                    record[column] = value
        year = _year(self._head_time(session))
        since = _year_start(year)
        declared: dict[int, int] = {}
        query = (
            select(LotRow.mine_id, func.sum(LotRow.fine_gold_mg))
            .join(IndexedBlock, IndexedBlock.number == LotRow.block_number)
            .where(LotRow.mine_id.in_(wanted), IndexedBlock.timestamp >= since)
            .group_by(LotRow.mine_id)
        )
        for mine_id, total in session.execute(query):
            declared[int(cast(int, mine_id))] = int(total)
        return {
            MineId(mine_id): Mine(
                id=MineId(mine_id),
                operator=record["operator"],
                status=MineStatus(record["status"]),
                country=record["country"],
                permit_expiry=record["permit_expiry"],
                capacity_mg=record["capacity_mg"],
                declared_this_year_mg=declared.get(mine_id, 0),
                year=year,
                permit_hash=record["permit_hash"],
                location_hash=record["location_hash"],
                passport_hash=record.get("passport_hash", _ZERO_HASH),
            )
            for mine_id, record in state.items()
            if "operator" in record
        }

    @staticmethod
    def _head_time(session: Session) -> int:
        return int(session.scalar(select(IndexedBlock.timestamp).order_by(IndexedBlock.number.desc())) or 0)

    def mine(self, mine_id: MineId) -> Mine:
        """A mine's record as indexed; `declared_this_year_mg` counts the UTC year of the last indexed block.

        Raises:
            UnknownMine: The index has no mine with this id.
        """
        if isinstance(mine_id, bool) or not isinstance(mine_id, int):
            raise InvalidInput(f"A mine id is a whole number, not {mine_id!r}")
        if not 0 <= mine_id < 2**63:
            raise UnknownMine(mine_id=mine_id)
        with self._session() as session:
            found = self._mines(session, [mine_id])
        if not found:
            raise UnknownMine(mine_id=mine_id)
        return found[MineId(mine_id)]

    def mines(self) -> list[Mine]:
        """Every registered mine, by id."""
        with self._session() as session:
            ids = list(session.scalars(select(MineEventRow.mine_id).distinct()))
            return [mine for _, mine in sorted(self._mines(session, ids).items())]

    def mine_of_operator(self, operator: str) -> Mine | None:
        """The mine `operator` operates, if any."""
        address = Web3.to_checksum_address(operator)
        with self._session() as session:
            mine_id = session.scalar(select(MineEventRow.mine_id).where(MineEventRow.operator == address))
            if mine_id is None:
                return None
            return self._mines(session, [mine_id])[MineId(mine_id)]

    def lots_of_mine(self, mine_id: MineId, *, limit: int = 200) -> list[Lot]:
        """The ore lots declared from a mine, newest first (at most `limit`)."""
        with self._session() as session:
            ids = list(
                session.scalars(
                    select(LotRow.id)
                    .where(LotRow.mine_id == mine_id)
                    .order_by(LotRow.block_number.desc(), LotRow.log_index.desc())
                    .limit(limit)
                )
            )
            lots = self._lots(session, ids)
        return [lots[LotId(i)] for i in ids]

    def declared_in_year(self, mine_id: MineId, year: int) -> int:
        """Fine gold (mg) the mine declared in a UTC calendar year."""
        with self._session() as session:
            total = session.scalar(
                select(func.sum(LotRow.fine_gold_mg))
                .join(IndexedBlock, IndexedBlock.number == LotRow.block_number)
                .where(
                    LotRow.mine_id == mine_id,
                    IndexedBlock.timestamp >= _year_start(year),
                    IndexedBlock.timestamp < _year_start(year + 1),
                )
            )
        return int(total or 0)

    def permit_expiry_at(self, mine_id: MineId, block_number: int, log_index: int) -> int | None:
        """The permit expiry the mine had at a point of the chain (None if not yet registered)."""
        with self._session() as session:
            rows = session.scalars(
                select(MineEventRow.permit_expiry)
                .where(MineEventRow.mine_id == mine_id, MineEventRow.permit_expiry.is_not(None))
                .where(
                    (MineEventRow.block_number < block_number)
                    | ((MineEventRow.block_number == block_number) & (MineEventRow.log_index < log_index))
                )
                .order_by(MineEventRow.block_number.desc(), MineEventRow.log_index.desc())
                .limit(1)
            )
            return next(iter(rows), None)

    def role_of(self, address: str) -> Role | None:
        """The role `address` is admitted with, or None."""
        account = Web3.to_checksum_address(address)
        with self._session() as session:
            row = session.scalar(
                select(ParticipantRow)
                .where(ParticipantRow.account == account)
                .order_by(ParticipantRow.block_number.desc(), ParticipantRow.log_index.desc())
                .limit(1)
            )
        return Role(row.role) if row is not None and row.role is not None else None

    # ------------------------------------------------------------------ search

    def search(self, query: str) -> SearchResults:
        """Lots and mines matching a query: a lot or mine id ("42", "lot 42", "mine 3"), an external
        reference, or an address (the mine it operates and the lots it holds)."""
        text = query.strip()
        results = SearchResults(query=text)
        if not text:
            return results
        match = re.fullmatch(r"(?i)(lot|mine|m|#)?\s*#?\s*(\d{1,18})", text)
        with self._session() as session:
            if match is not None:
                kind, number = (match.group(1) or "").lower(), int(match.group(2))
                if kind in ("", "lot", "#"):
                    results.lots.extend(self._lots(session, [number]).values())
                if kind in ("", "mine", "m"):
                    results.mines.extend(self._mines(session, [number]).values())
            if Web3.is_address(text):
                address = Web3.to_checksum_address(text)
                mine_id = session.scalar(select(MineEventRow.mine_id).where(MineEventRow.operator == address))
                if mine_id is not None:
                    results.mines.extend(self._mines(session, [mine_id]).values())
                received = list(
                    session.scalars(select(TransferRow.lot_id).where(TransferRow.to_address == address))
                )
                results.lots.extend(
                    lot for lot in self._lots(session, received).values() if lot.holder == address
                )
            by_ref = list(session.scalars(select(LotRow.id).where(LotRow.external_ref == text).limit(100)))
            known = {lot.id for lot in results.lots}
            results.lots.extend(lot for lot in self._lots(session, by_ref).values() if lot.id not in known)
        return results


def open_index(
    deployment: Deployment | str | os.PathLike[str],
    *,
    rpc_url: str | None = None,
    database_url: str | None = None,
    confirmations: int = 0,
    blocks_per_step: int = DEFAULT_BLOCKS_PER_STEP,
    max_log_range: int | None = None,
    request_timeout: float = 30.0,
) -> Index:
    """Opens (creating or migrating it as needed) the index of a deployment.

    Args:
        deployment: A `Deployment`, or the path of its manifest.
        rpc_url: The node to sync from; None opens it read-only.
        database_url: `sqlite:///path` or a PostgreSQL DSN; by default `default_database_url(deployment)`.
        confirmations: How many blocks behind the head the sync stops (0 follows the head; a reorg deeper
            than this is still caught, by the stored block hashes).
        blocks_per_step: Blocks per `eth_getLogs` and per database transaction.
        max_log_range: The most blocks one `eth_getLogs` may span, for nodes that cap it.
        request_timeout: Seconds to wait for any single RPC response.

    Raises:
        IndexDatabaseError: The database cannot be opened or migrated.
        IndexMismatch: The database already indexes another deployment.
        RpcUnavailable: The node cannot be reached.
        DeploymentMismatch: The node serves another chain.
    """
    if not isinstance(deployment, Deployment):
        deployment = Deployment.load(deployment)
    url = _engine_url(database_url or default_database_url(deployment))
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    chain = None
    if rpc_url is not None:
        chain, _ = open_chain(
            rpc_url, deployment, request_timeout=request_timeout, max_log_range=max_log_range
        )
    engine = create_engine(url, pool_pre_ping=True)
    if parsed.drivername.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.begin() as connection:
            _migrate(connection)
        with Session(engine) as session, session.begin():
            state = session.get(SyncState, 1)
            if state is None:
                session.add(
                    SyncState(
                        id=1,
                        chain_id=deployment.chain_id,
                        contract=deployment.address,
                        deployment_block=deployment.deployment_block,
                        last_block=deployment.deployment_block - 1,
                    )
                )
            elif (state.chain_id, state.contract.lower()) != (
                deployment.chain_id,
                deployment.address.lower(),
            ):
                raise IndexMismatch(
                    f"The database {_shown(url)} indexes {state.contract} on chain {state.chain_id}, "
                    f"not {deployment.address} on chain {deployment.chain_id}: give each deployment its own "
                    "database"
                )
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = getattr(exc, "orig", None) or exc
        raise IndexDatabaseError(f"Cannot open the index database {_shown(url)}: {reason}") from None
    except BaseException:
        engine.dispose()
        raise
    return Index(engine, deployment, chain, confirmations=confirmations, blocks_per_step=blocks_per_step)
