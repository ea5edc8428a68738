"""Each red flag's OECD Annex II category and LBMA step; a mine's projected capacity use and its bursts of
declarations, each firing on a constructed case and quiet just inside its threshold."""

from __future__ import annotations

import datetime

import pytest

import filon
from filon import Mine, MineId, MineStatus
from filon.index._flags import FlagRules, RedFlag, mine_flags
from filon.index._risk import burst_flags, mine_risk_flags, projection_flags
from filon.index._standards import STANDARDS, LbmaStep, OecdCategory

from .helpers import CAPACITY_MG, DAY, World, block_time, root, rpc, utc_year

HOUR = 3_600


def _utc(*day: int) -> int:
    return int(datetime.datetime(*day, tzinfo=datetime.UTC).timestamp())


def _mine(declared: int, *, capacity: int = 1_000_000, status: MineStatus = MineStatus.ACTIVE) -> Mine:
    return Mine(
        MineId(7), "0x" + "11" * 20, status, "PE", _utc(2030, 1, 1), capacity, declared, 2027,
        b"\1" * 32, b"\2" * 32, b"\0" * 32,
    )  # fmt: skip


def test_every_flag_carries_its_oecd_category_and_lbma_step() -> None:
    assert set(STANDARDS) == {
        "MINE_SUSPENDED", "MINE_REVOKED", "ORIGIN_SUSPENDED", "ORIGIN_REVOKED", "MINE_OVER_CAPACITY",
        "MINE_NEAR_CAPACITY", "MINE_CAPACITY_PROJECTED", "MINE_DECLARATION_BURST",
        "DECLARED_AFTER_PERMIT_EXPIRY", "LOSS_OUT_OF_BAND", "LOT_IDLE", "ATTESTATION_REVOKED",
        "ATTESTATION_EXPIRED", "DOCUMENT_MISSING", "ASSAY_DECLARATION_MISMATCH", "ASSAY_SAMPLE_DISAGREEMENT",
        "GRADE_ABOVE_HISTORY", "CAMPAIGN_RECOVERY_OUT_OF_BAND",
    }  # fmt: skip
    revoked, over = mine_flags(_mine(1_200_000, status=MineStatus.REVOKED))
    assert (revoked.code, revoked.oecd_category, revoked.lbma_step) == (
        "MINE_REVOKED",
        OecdCategory.MISREPRESENTATION,
        LbmaStep.DISENGAGE,
    )
    assert (over.code, over.oecd_category, over.lbma_step) == (
        "MINE_OVER_CAPACITY",
        "Money laundering",
        "suspend",
    )
    assert RedFlag("LOT_IDLE", "Lot 1 has not moved.").lbma_step is LbmaStep.MITIGATE
    with pytest.raises(ValueError) as unknown:
        RedFlag("MINE_HAPPY", "Mine 1 is happy.")
    assert str(unknown.value) == "'MINE_HAPPY' is not a red flag with an OECD category and an LBMA step"


def test_a_yearly_pace_projected_over_capacity_fires_and_one_just_under_it_does_not() -> None:
    now = _utc(2027, 7, 2)  # 182 days of 2027's 365 have passed: a year is 365/182 of that
    # 500,000 mg in 182 days: 1,002,747.25 mg by year end, over 1,000,000.
    (flag,) = projection_flags(_mine(500_000), now)
    assert flag == RedFlag(
        "MINE_CAPACITY_PROJECTED",
        "Mine 7 declared 500.000 g of fine gold in 2027 by 2027-07-02 00:00:00 UTC: at that pace, "
        "1,002.747 g by year end, over its yearly capacity of 1,000.000 g.",
    )
    assert (flag.oecd_category, flag.lbma_step) == (OecdCategory.MONEY_LAUNDERING, LbmaStep.MITIGATE)
    assert projection_flags(_mine(498_630), now) == []  # 999,999.7 mg: just under
    assert projection_flags(_mine(498_631), now) != []  # 1,000,001.7 mg
    # Not before 30 days of the year (a January's lots), nor once over (MINE_OVER_CAPACITY says it), nor
    # without a capacity.
    assert projection_flags(_mine(100_000), _utc(2027, 1, 30, 23, 59, 59)) == []
    assert projection_flags(_mine(100_000), _utc(2027, 1, 31)) != []  # 30 days: 1,216,666.7 mg
    assert projection_flags(_mine(1_000_001), now) == []
    assert projection_flags(_mine(1, capacity=0), now) == []
    assert projection_flags(_mine(100_000), _utc(2027, 1, 11), FlagRules(projection_after_days=10)) != []
    with pytest.raises(filon.InvalidInput) as bad:
        FlagRules(burst_declarations=0)
    assert str(bad.value) == "burst_declarations and burst_window_hours are 1 or more, not 0 and 24"
    with pytest.raises(filon.InvalidInput) as never:
        FlagRules(projection_after_days=366)
    assert str(never.value) == "projection_after_days is 1 to 365, not 366"


def _declare(world: World, count: int, at: int) -> None:
    rpc(world.url, "evm_setNextBlockTimestamp", at)
    miner = world.client(world.roles.miner)
    miner.declare_lots(
        [filon.LotDeclaration(MineId(1), 1_000, 20_000, root(f"burst {at} {i}")) for i in range(count)]
    )


def test_a_burst_of_declarations_fires_above_its_count_in_its_window_and_not_at_it(
    world: World, sqlite_url: str
) -> None:
    rules = FlagRules(burst_declarations=3, burst_window_hours=24)
    year = utc_year(block_time(world.url)) + 1  # ahead of the chain's clock
    start = _utc(year, 3, 1)
    _declare(world, 1, start)
    # Three more in the window (start, start + 1 day], one block each at a set time (Anvil may or may not mine
    # pipelined transactions in one block): the first lot is just outside it.
    for at in (start + DAY - 2, start + DAY - 1, start + DAY):
        _declare(world, 1, at)
    with world.index(sqlite_url) as index:
        index.sync()
        assert index.head_time() == start + DAY
        assert index.declarations_between(MineId(1), start + DAY - 24 * HOUR, start + DAY) == 3
        assert burst_flags(index, MineId(1), start + DAY, rules) == []
        assert mine_risk_flags(index, MineId(1), rules) == []
        _declare(world, 1, start + DAY + 1)  # four in the day to start + 1 day + 1 s
        index.sync()
        burst = RedFlag(
            "MINE_DECLARATION_BURST",
            f"Mine 1 declared 4 ore lots in the 24 hours to {year}-03-02 00:00:01 UTC, more than the 3 above "
            "which a burst is flagged.",
        )
        assert mine_risk_flags(index, MineId(1), rules) == [burst]
        assert mine_risk_flags(index, MineId(1)) == []  # the default: more than 10 in 24 hours
        assert mine_risk_flags(index, MineId(2), rules) == []  # another mine's pace is its own
        with pytest.raises(filon.UnknownMine):
            mine_risk_flags(index, MineId(99), rules)
        # Nearly its capacity by 22 March: over 4 times it projected to year end.
        _declare_fine(world, CAPACITY_MG - 6_000, _utc(year, 3, 22))
        index.sync()
        codes = [flag.code for flag in mine_risk_flags(index, MineId(1), rules)]
        assert codes == ["MINE_NEAR_CAPACITY", "MINE_CAPACITY_PROJECTED"]


def _declare_fine(world: World, fine: int, at: int) -> None:
    rpc(world.url, "evm_setNextBlockTimestamp", at)
    world.client(world.roles.miner).declare_lots(
        [filon.LotDeclaration(MineId(1), fine, 20 * fine, root(f"much ore {at}"))]
    )
