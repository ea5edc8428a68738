"""What a mine is called, by name and by its government register code: the one place every page, API
answer and report that names a mine asks.

The index does not keep mines' names or register codes yet: until it does, every answer is None, and
callers show the mine by id alone.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from filon._types import MineId

if TYPE_CHECKING:
    from filon.index._index import Index


@dataclass(frozen=True)
class MineIdentity:
    """A mine's name and register code, each None when the index does not know it."""

    name: str | None
    register_code: str | None


def mine_identities(index: Index, mine_ids: Collection[int]) -> dict[MineId, MineIdentity]:
    """The name and register code of each mine, by id (unknown ones: None)."""
    del index  # read once the index keeps mines' names and register codes
    return {MineId(mine): MineIdentity(name=None, register_code=None) for mine in sorted(set(mine_ids))}
