"""The explorer's in-process caches: each worker keeps its own, and each says what makes it exact.

- `Explorer.emissions`: what each published passport reports, by (root, URI). A package's bytes are fixed
  by its CID and checked against the root recorded on chain before use, so the figure never changes; a
  passport whose package is not in the store is not remembered (it may be added later).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator, MutableMapping
from typing import Generic, TypeVar

_K = TypeVar("_K", bound=Hashable)
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
