"""The explorer's in-process caches: each worker keeps its own, and each says what makes it exact.

- `Explorer.emissions`: what each published passport reports, by (root, URI). A package's bytes are fixed
  by its CID and checked against the root recorded on chain before use, so the figure never changes; a
  passport whose package is not in the store is not remembered (it may be added later).
- `Explorer.pages`: each lot page's data, by lot and address, with the mark it was read at: the index's
  position (`Index.position`: its last block, that block's hash, which any new block, event or rewind
  changes, and how many times contents were resolved from the store after a sync: records, receipts) and
  the document store's (`store_mark`). It is served only while both marks are unchanged, so it is exactly
  what the page would read again.
- `Explorer.bodies`: the same pages as served (the API's JSON, the HTML under one root path), kept under the
  same two marks: a lot that many buyers look at is served without serializing or templating it again.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Iterator, MutableMapping
from typing import Generic, TypeVar

from filon.passport import DocumentStore

_K = TypeVar("_K", bound=Hashable)

RACY_NS = 2_000_000_000
"""A folder's modification time is coarse (a few ms): one changed within this long may change again within the
same tick, so it marks nothing (the same precaution as git's "racy" index entries)."""


def store_mark(store: DocumentStore) -> int | None:
    """What changes whenever a document is added to or removed from the store: its folder's modification
    time (the store is one flat folder of content-addressed files); None while it is too recent to trust, or
    the folder is missing."""
    try:
        modified = os.stat(store.path).st_mtime_ns
    except OSError:
        return None
    return modified if time.time_ns() - modified > RACY_NS else None


_V = TypeVar("_V")


class Lru(MutableMapping[_K, _V], Generic[_K, _V]):
    """A mapping that keeps its `size` most recently used entries, safe to share between threads (the
    explorer answers from a thread pool)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[_K, _V] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, key: _K) -> _V:
        with self._lock:
            value = self._entries[key]
            self._entries.move_to_end(key)
            return value

    def __setitem__(self, key: _K, value: _V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __delitem__(self, key: _K) -> None:
        with self._lock:
            del self._entries[key]

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def __iter__(self) -> Iterator[_K]:
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)
