"""Consumed lots kept in memory (`ConsumedLots`): a consumed lot never changes, so a provenance of a thousand
ancestors need not read them again.

A lot is consumed by the transformation that burns it, and then nothing can change it on chain: it cannot be
transferred, given a passport version or a serial. Its record in the index changes only when the index
forgets blocks: a rewind after a reorg (which may bring the lot back to life, or give its id to another lot
on the new branch). Every rewind writes a new random `sync_state.generation` in the same transaction, and the
cache keeps lots only for the generation it read them under: any process reading the index (several
explorers over one PostgreSQL) drops what it remembers at the first read after another process rewinds.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

from filon._types import Lot, LotId

DEFAULT_LIMIT = 200_000
"""Lots kept at most (about 1 KB each), and ancestries a hundredth of that: past it, each starts again."""


class ConsumedLots:
    """Consumed lots by id, and the ancestors of lots by id, for one generation of the index at a time; safe
    to share between threads.

    A lot's ancestors are as fixed as a consumed lot: its parents are set at its birth, and theirs at theirs.
    """

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self._limit = limit
        self._generation: str | None = None
        self._lots: dict[LotId, Lot] = {}
        self._ancestries: dict[LotId, tuple[LotId, ...]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._lots)

    def known(self, generation: str) -> Mapping[LotId, Lot]:
        """The lots kept for `generation`; everything kept for another one is dropped first."""
        with self._lock:
            if generation != self._generation:
                self._generation, self._lots, self._ancestries = generation, {}, {}
            return self._lots

    def ancestry(self, generation: str, lot_id: LotId) -> tuple[LotId, ...] | None:
        """The lot and its ancestors, if kept for `generation` (call `known` first)."""
        with self._lock:
            return self._ancestries.get(lot_id) if generation == self._generation else None

    def keep_ancestry(self, generation: str, lot_id: LotId, ids: tuple[LotId, ...]) -> None:
        """Keeps the ids of an existing lot and its ancestors, read under `generation`."""
        with self._lock:
            if generation != self._generation:
                return
            if len(self._ancestries) >= self._limit // 100:
                self._ancestries = {}
            self._ancestries[lot_id] = ids

    def keep(self, generation: str, lots: Iterable[Lot]) -> None:
        """Keeps the consumed ones of `lots`, read under `generation` (nothing if the index moved on to
        another generation meanwhile)."""
        consumed = {lot.id: lot for lot in lots if lot.consumed}
        with self._lock:
            if generation != self._generation:
                return
            if len(self._lots) + len(consumed) > self._limit:
                self._lots = {}
            # In place: readers only look ids up in the mapping `known` gave them, never iterate over it.
            self._lots.update(consumed)
