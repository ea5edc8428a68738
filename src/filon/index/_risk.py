"""Red flags of a mine's pace: where its declarations are heading this year, and how fast they come.

- `MINE_CAPACITY_PROJECTED`: the fine gold a mine declared this UTC year, projected linearly to year end
  (declared times the year's length, divided by the time passed since 1 January at the index's now),
  exceeds its yearly capacity. Nothing is projected before `FlagRules.projection_after_days` of the year
  have passed, nor for a mine already over capacity (`MINE_OVER_CAPACITY` says that) or of capacity 0.
- `MINE_DECLARATION_BURST`: the mine declared more than `FlagRules.burst_declarations` ore lots in the
  `FlagRules.burst_window_hours` ending at the index's now (a lot's time is its block's).

`mine_risk_flags` gives a mine's flags of its record (`mine_flags`) and these two, as the index stands.
"""

from __future__ import annotations

import datetime

from filon._types import Mine, MineId
from filon.index._flags import FlagRules, RedFlag, mine_flags
from filon.index._index import Index

DAY = 86_400
HOUR = 3_600
DEFAULT_RULES = FlagRules()


def _year_start(year: int) -> int:
    return int(datetime.datetime(year, 1, 1, tzinfo=datetime.UTC).timestamp())


def _when(timestamp: int) -> str:
    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def projection_flags(mine: Mine, now: int, rules: FlagRules = DEFAULT_RULES) -> list[RedFlag]:
    """`MINE_CAPACITY_PROJECTED` if the mine's declarations this year, at their pace so far, would exceed its
    capacity by year end; `mine.declared_this_year_mg` must count the UTC year of `now`."""
    year = datetime.datetime.fromtimestamp(now, tz=datetime.UTC).year
    start, end = _year_start(year), _year_start(year + 1)
    passed = now - start
    declared = mine.declared_this_year_mg
    if mine.capacity_mg == 0 or declared > mine.capacity_mg or passed < rules.projection_after_days * DAY:
        return []
    projected = declared * (end - start) / passed
    if projected <= mine.capacity_mg:
        return []
    return [
        RedFlag(
            "MINE_CAPACITY_PROJECTED",
            f"Mine {mine.id} declared {declared / 1000:,.3f} g of fine gold in {year} by {_when(now)}: "
            f"at that pace, {round(projected) / 1000:,.3f} g by year end, over its yearly capacity of "
            f"{mine.capacity_mg / 1000:,.3f} g.",
        )
    ]


def burst_flags(index: Index, mine_id: MineId, now: int, rules: FlagRules = DEFAULT_RULES) -> list[RedFlag]:
    """`MINE_DECLARATION_BURST` if the mine declared more than `rules.burst_declarations` ore lots in the
    `rules.burst_window_hours` up to `now`."""
    hours = rules.burst_window_hours
    count = index.declarations_between(mine_id, now - hours * HOUR, now)
    if count <= rules.burst_declarations:
        return []
    return [
        RedFlag(
            "MINE_DECLARATION_BURST",
            f"Mine {mine_id} declared {count} ore lots in the {hours} hours to {_when(now)}, more than the "
            f"{rules.burst_declarations} above which a burst is flagged.",
        )
    ]


def mine_risk_flags(index: Index, mine_id: MineId, rules: FlagRules = DEFAULT_RULES) -> list[RedFlag]:
    """Every red flag of a mine as the index stands: its record's (`mine_flags`), its projected capacity
    use and its bursts of declarations.

    Raises:
        UnknownMine: The index has no mine with this id.
    """
    index.mine(mine_id)  # raises for an unknown mine
    now = index.head_time()
    mine = index.mines_of([mine_id], now=now)[mine_id]
    return [
        *mine_flags(mine, rules),
        *projection_flags(mine, now, rules),
        *burst_flags(index, mine_id, now, rules),
    ]
