"""Keeping the index in step with the chain: the sync, in steps, and the rewind after a reorg.

The sync reads `eth_getLogs` from the deployment block in steps, one database transaction per step (so a
sync killed at any point resumes from the last step it committed, with no gap and no duplicate), and stops
`confirmations` blocks behind the head. Before each sync it checks that the last block it indexed still has
the hash it stored; if not (a reorg), it walks back over the blocks it stored to the newest one the chain
still has and deletes every row after it, then reads forward again.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Row, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from filon import _events
from filon._chain import Chain, Log
from filon._deployment import Deployment
from filon._errors import FilonError, RpcError
from filon.index import _facts, _rows
from filon.index._database import Database, IndexDatabaseError, insert_tuples, prebuilt
from filon.index._models import BLOCK_TABLES, IndexedBlock, SyncState, new_generation

logger = logging.getLogger("filon.index")

DEFAULT_BLOCKS_PER_STEP = 2_000
_HASH_CHECKS_PER_REQUEST = 64
# How many times one sync goes back to a fork it found mid-way before leaving the rest to the next sync.
_MAX_REWINDS_PER_SYNC = 3
# Parts of a step read at once (each its eth_getLogs, then its blocks' headers): the node answers them on as
# many cores. A from-scratch sync of 3,400 events took 8 % less time with two than with one (24 syncs each,
# paired), 6 % less again with each part's headers read with it, and 4 % less again with each part written
# as it arrives (20 syncs); three parts gained less.
_PARTS = 2

_LAST_BLOCK = select(SyncState.last_block).where(SyncState.id == 1)
# The last block, read at the start of a step's transaction: on PostgreSQL it locks the row, so that two syncs
# of one database take turns; and written at its end, only if it is still the one the step started from
# (SQLite takes its write lock at the first write, not at that read: another process's step may have
# committed meanwhile). Statements, not the ORM's `SyncState`: a step reads and writes one number.
_LOCKED_LAST_BLOCK = _LAST_BLOCK.with_for_update()
_SET_LAST_BLOCK = (
    update(SyncState)
    .where(SyncState.id == 1, SyncState.last_block == bindparam("was"))
    .values(last_block=bindparam("last_block"))
)
# The newest stored block at or below a height: what the blocks after it must build on (every block with rows
# is stored, and so is the end of every step); and the newest at or below the last block read.
_ANCHOR = (
    select(IndexedBlock.number, IndexedBlock.hash)
    .where(IndexedBlock.number <= bindparam("at_most"))
    .order_by(IndexedBlock.number.desc())
    .limit(1)
)
_LAST_ANCHOR = (
    select(IndexedBlock.number, IndexedBlock.hash)
    .where(IndexedBlock.number <= _LAST_BLOCK.scalar_subquery())
    .order_by(IndexedBlock.number.desc())
    .limit(1)
)

Headers = dict[int, tuple[bytes, int]]
"""(hash, timestamp) of blocks, by number."""


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


class ChainSync:
    """Copies one deployment's events from a chain into the index database, and rewinds it after reorgs.

    Args:
        database: The index database.
        deployment: The deployment indexed.
        chain: The node to read from; None for an index that is only read (it can still be rewound).
    """

    def __init__(self, database: Database, deployment: Deployment, chain: Chain | None) -> None:
        self._database = database
        self._deployment = deployment
        self._chain = chain
        self._pool: ThreadPoolExecutor | None = None

    def last_block(self) -> int:
        """The last block the index has read (the deployment block - 1 before the first sync)."""
        with self._database.connection() as connection:  # read a few times a step: no session
            return int(prebuilt(connection, _LAST_BLOCK).scalar_one())

    def run(
        self,
        *,
        confirmations: int,
        blocks_per_step: int,
        to_block: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SyncReport:
        """Brings the index up to the chain's head minus `confirmations` (or `to_block`, if lower); see
        `Index.sync`.

        Raises:
            IndexReadOnly: There is no chain to read.
            RpcUnavailable, RpcError: The node failed; what was committed stays.
            EventDecodeError: The node gave a log with a Filón event's topic but not its layout.
            IndexDatabaseError: The database failed.
        """
        if self._chain is None:
            raise IndexReadOnly("This index was opened without an RPC URL: it can be read but not synced")
        chain = self._chain
        rewound = self._rewind_if_reorged(chain)
        first = self.last_block() + 1
        stored: Counter[int] = Counter()  # events stored, by block: a rewind mid-way takes some back
        for _ in range(_MAX_REWINDS_PER_SYNC + 1):
            head, newest = self._latest(chain)
            target = head - confirmations
            if to_block is not None:
                target = min(target, to_block)
            changed = False
            fresh: tuple[bytes, int] | None = newest
            while (start := self.last_block() + 1) <= target:
                end = min(start + blocks_per_step - 1, target)
                with _collector_paused():
                    # A first step that ends at the head (every sync's only one, when it follows the head)
                    # has its end's header already, read before its logs as a step needs: one request less.
                    # A later step reads it anew: the tip may have changed meanwhile.
                    step_events = self._step(chain, start, end, fresh if end == head else None)
                fresh = None
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
            from_block=first, to_block=self.last_block(), events=stored.total(), rewound_to=rewound
        )

    @staticmethod
    def _latest(chain: Chain) -> tuple[int, tuple[bytes, int]]:
        """The number of the chain's newest block, and its (hash, timestamp)."""
        (block,) = chain.batch([("eth_getBlockByNumber", ["latest", False])])
        if isinstance(block, FilonError):
            raise block
        if block is None:
            raise RpcError(f"The Ethereum node at {chain.shown_url} has no latest block")
        return int(block["number"], 16), (bytes.fromhex(block["hash"][2:]), int(block["timestamp"], 16))

    @staticmethod
    def _headers(chain: Chain, numbers: Sequence[int]) -> Headers:
        """(hash, timestamp) of blocks by number; a block the node no longer has is left out."""
        answers = chain.batch([("eth_getBlockByNumber", [hex(n), False]) for n in numbers])
        found: Headers = {}
        for number, block in zip(numbers, answers, strict=True):
            if isinstance(block, FilonError):
                raise block
            if block is not None:
                found[number] = (bytes.fromhex(block["hash"][2:]), int(block["timestamp"], 16))
        return found

    def _rewind_if_reorged(self, chain: Chain) -> int | None:
        with self._database.connection() as connection:  # read before every sync: no session
            stored = prebuilt(connection, _LAST_ANCHOR).one_or_none()
        if stored is None:  # nothing indexed yet
            return None
        if self._headers(chain, [stored.number]).get(stored.number, (b"", 0))[0] == stored.hash:
            return None
        fork = self._deployment.deployment_block - 1
        with self._database.session() as session:
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
        """Forgets everything after `block` (the next sync reads it again); see `Index.rewind`."""
        with self._database.session() as session, session.begin():
            for table in BLOCK_TABLES:
                session.execute(delete(table).where(table.block_number > block))
            session.execute(delete(IndexedBlock).where(IndexedBlock.number > block))
            state = session.get(SyncState, 1)
            assert state is not None
            anchor = session.execute(_ANCHOR, {"at_most": block}).one_or_none()
            standing = anchor.number if anchor is not None else self._deployment.deployment_block - 1
            state.last_block = min(state.last_block, standing)
            state.generation = new_generation()

    def _step(
        self, chain: Chain, start: int, end: int, before: tuple[bytes, int] | None = None
    ) -> Counter[int] | None:
        """Stores the events of blocks `start`..`end` in one transaction; returns how many, by block. None if
        the chain changed meanwhile (nothing stored), nothing if another sync stored them first. `before` is
        `end`'s header if it was read already (it is read here otherwise, before any log)."""
        with self._database.connection() as connection:
            anchor = prebuilt(connection, _ANCHOR, {"at_most": start - 1}).one_or_none()
        if before is None:
            before = self._headers(chain, [end]).get(end)
        if before is None:
            return None
        # Each part's logs, then the headers of their blocks, of `end` and of the anchor, on the reading
        # threads: the node works on the parts at once. The transaction starts once the first part is read,
        # and this thread writes it while the next is read (so the transaction, and the database's locks,
        # last over the rest of the reads).
        readers = self._readers
        also = [end] if anchor is None else [end, anchor.number]
        parts = [readers.submit(self._read, chain, first, last, also) for first, last in _parts(start, end)]
        try:
            wait(parts[:1])
            with self._database.session() as session, session.begin():
                if prebuilt(session.connection(), _LOCKED_LAST_BLOCK).scalar_one() != start - 1:
                    return Counter()  # another sync stored these blocks first
                stored = self._store_parts(session, parts, end, before, anchor)
                moved = prebuilt(session.connection(), _SET_LAST_BLOCK, {"last_block": end, "was": start - 1})
                if moved.rowcount != 1:
                    raise _StoredMeanwhile
        except _ChainChanged:  # the transaction is rolled back: nothing of the step is stored
            return None
        except _StoredMeanwhile:  # rolled back too: another sync stored these blocks first
            return Counter()
        except (IntegrityError, IndexDatabaseError) as exc:
            if self.last_block() >= end:  # another sync won the race for these blocks
                return Counter()
            raise IndexDatabaseError(
                f"The index database {self._database.url} refused blocks {start}-{end}: {exc}"
            ) from None
        finally:
            for part in parts:
                part.cancel()
        return stored

    @staticmethod
    def _store_parts(
        session: Session,
        parts: Sequence[Future[tuple[list[Log], Headers]]],
        end: int,
        before: tuple[bytes, int],
        anchor: Row[Any] | None,
    ) -> Counter[int]:
        """Writes the parts' rows in `session`'s transaction, each as it arrives and once its headers show it
        is of the chain indexed so far, then their blocks and the facts of their lots; how many events, by
        block.

        Raises:
            _ChainChanged: A block of the step changed while it was read: the transaction must not commit.
        """
        stored: Counter[int] = Counter()
        headers: Headers = {}
        rows: _rows.Rows = defaultdict(list)
        for part in parts:
            logs, known = part.result()
            # Read with the part's blocks, after its logs: `end`, still `before` (a block's hash commits to
            # its parent's, so the whole range is unchanged), and the anchor, still the block stored (so the
            # range continues the branch already indexed: a reorg between two steps of one sync would
            # otherwise stack the new branch on the old one's rows). And each log is of its block then.
            if known.get(end) != before:
                raise _ChainChanged
            if anchor is not None and known.pop(anchor.number, (b"", 0))[0] != anchor.hash:
                raise _ChainChanged
            for log in logs:
                header = known.get(log["blockNumber"])
                if header is None or header[0] != log["blockHash"]:
                    raise _ChainChanged
            headers.update(known)
            # Decoded once the headers show the logs are the chain's: an error then is not a reorg's.
            events = _events.decode_all(logs)
            # New rows, not merges (a SELECT each): nothing after the last step is stored, even after a
            # rewind.
            for model, values in _rows.rows(events).items():
                insert_tuples(session, model, values)
                rows[model].extend(values)
            stored.update(event.block_number for event in events)
        insert_tuples(session, IndexedBlock, [(number, *header) for number, header in headers.items()])
        # What the new lots' births settle for good, read by every page: derived here, once per lot, from the
        # whole step's rows (a transformation's inputs are mostly among them).
        _facts.derive(session, rows, {number: timestamp for number, (_, timestamp) in headers.items()})
        return stored

    def _read(self, chain: Chain, first: int, last: int, also: Sequence[int]) -> tuple[list[Log], Headers]:
        """The logs of blocks `first`..`last`, and the headers of their blocks and of blocks `also` (the
        step's end and anchor), read in one batch after the logs (blocks read together are of one chain)."""
        logs = chain.logs(self._deployment.address, [], from_block=first, to_block=last)
        return logs, self._headers(chain, sorted({log["blockNumber"] for log in logs}.union(also)))

    @property
    def _readers(self) -> ThreadPoolExecutor:
        """The threads that read a step's parts, kept from step to step (and their connections to the node
        with them: see `Chain._raw`)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=_PARTS, thread_name_prefix="filon-index-read")
        return self._pool

    def close(self) -> None:
        """Stops the reading threads (a later sync starts new ones)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class _ChainChanged(Exception):
    """A block of a step changed while the step was read: nothing of it may be stored."""


class _StoredMeanwhile(Exception):
    """Another sync stored a step's blocks while the step was read: nothing of it may be stored."""


def _parts(start: int, end: int) -> list[tuple[int, int]]:
    """Blocks `start`..`end` in `_PARTS` ranges of about equal length (fewer for fewer blocks), in order."""
    size = -(-(end - start + 1) // _PARTS)
    return [(first, min(first + size - 1, end)) for first in range(start, end + 1, size)]


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pauses Python's cyclic garbage collector for one step, if it runs.

    A step makes tens of thousands of containers (logs, records, rows) that live until it ends and form no
    cycles: reference counting frees them. But every allocation counts towards a collection, and every two
    or three steps of 3,000 events that triggers a full one, which walks every object of the process: 150 ms
    in an index's process (160,000 objects after importing web3 and SQLAlchemy, on a 2-core machine), about
    half a step. Mercurial's `util.nogc` does the same for the same reason. Other threads' garbage waits for
    the end of the step; a collector another thread turned off meanwhile is on again after it.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Syncable(Protocol):
    """What `BackgroundSync` keeps in step: an `Index` (or anything that syncs like one)."""

    def sync(self) -> SyncReport: ...


class BackgroundSync:
    """Keeps an index in step with the chain from a thread, every `interval` seconds, until stopped.

    A thread, not an asyncio task: a sync is blocking I/O (RPC and database) and must not hold up the pages
    of an explorer serving from the same index. A failed sync is logged (once per distinct error, so a node
    down for an hour is not 1,800 log entries) and tried again at the next interval; it never stops.

    Attributes:
        attempts: How many syncs it has tried so far (for observers that wait for one to happen).
    """

    def __init__(self, index: Syncable, interval: float) -> None:
        self.index = index
        self.interval = interval
        self.attempts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="filon-index-sync", daemon=True)
        self._last_error: str | None = None

    def start(self) -> None:
        """Starts syncing in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stops after the sync under way, if any."""
        self._stop.set()
        self._thread.join(timeout=max(self.interval, 5.0) + 30.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.index.sync()
            except Exception as exc:
                text = f"{type(exc).__name__}: {exc}"
                if text != self._last_error:
                    if isinstance(exc, FilonError):
                        logger.warning("The index cannot sync (retrying every %s s): %s", self.interval, exc)
                    else:
                        logger.exception("The index cannot sync (retrying every %s s)", self.interval)
                self._last_error = text
            else:
                if self._last_error is not None:
                    logger.warning("The index syncs again")
                self._last_error = None
            self.attempts += 1
            self._stop.wait(self.interval)
