"""What a mine is called, by name and by its government register code: the one place every page, API
answer and report that names a mine asks.

Both come from the mine's record as the registrar published it (`Index.mine_labels`): a mine without a
verified record has None for both, and callers show it by id alone.
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
    """The name and register code of each mine, by id (None without a verified record)."""
    labels = index.mine_labels(mine_ids)
    identities: dict[MineId, MineIdentity] = {}
    for mine in sorted(set(mine_ids)):
        label = labels.get(mine)
        identities[MineId(mine)] = MineIdentity(
            name=label.name if label else None, register_code=label.register_code if label else None
        )
    return identities
