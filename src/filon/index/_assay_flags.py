"""Red flags of the plant's numbers: an ore lot's receipt and assays (`filon.index._receipts`) against its
declaration and its mine's history, and a campaign's recovery.

- `ASSAY_DECLARATION_MISMATCH`: the gold the receipt implies (dry tonnes x head grade g/t) differs from the
  lot's declared fine gold by more than `FlagRules.assay_tolerance`, relative to the declared:
  |implied - declared| / declared. The head grade is the umpire's when there is one, else the mean of the
  sample's and the counter-sample's (`IndexedReceipt.head_grade_g_t`).
- `ASSAY_SAMPLE_DISAGREEMENT`: with no umpire assay, |sample - counter| / ((sample + counter) / 2) exceeds
  `FlagRules.sample_tolerance` (relative to their mean, so neither assay is taken as the true one).
- `GRADE_ABOVE_HISTORY`: the lot's head grade is far above its mine's earlier receipts (the last
  `FlagRules.history_window` of the lots declared before it): the modified z-score
  0.6745 x (grade - median) / MAD over them (Iglewicz and Hoaglin; MAD the median absolute deviation from
  the median) exceeds `FlagRules.grade_outlier_score`, judged only with at least `FlagRules.grade_history`
  earlier receipts. When MAD is 0 (at least half the earlier grades equal) the score uses the mean absolute
  deviation instead, (grade - median) / (1.253314 x MeanAD), Iglewicz and Hoaglin's own fallback; when that
  is 0 too (every earlier grade equal) any grade above them is flagged.
- `CAMPAIGN_RECOVERY_OUT_OF_BAND`: a campaign is a transformation whose inputs are all ore lots and whose
  outputs are none of them ore (a plant processing the ore it received; a split or merge of ore lots that
  keeps the ore is not one); when every input has a receipt, its recovery is its outputs' fine gold
  over the gold its ore held, sum(dry tonnes x head grade), and a recovery outside `FlagRules.recovery_band`
  is flagged (above 1 always: no plant recovers more gold than its ore held).
- Each ratio (the declaration's gap, the samples' gap, the recovery) is rounded to 9 decimals before it is
  compared with its threshold, so that a ratio at the threshold stays quiet despite float error.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from filon._errors import UnknownLot
from filon._types import Form, LotId, MineId
from filon.index._database import Database, rows_in
from filon.index._flags import FlagRules, RedFlag
from filon.index._index import Index
from filon.index._lots import checked_id
from filon.index._models import LotFactsRow, LotRow, ParentRow
from filon.index._receipts import IndexedReceipt, mine_receipts, mine_receipts_around, receipts_of

DEFAULT_RULES = FlagRules()
MAX_ANCESTRY = 2_000
"""The most transformations and ore lots of a lot's ancestry `assay_flags` walks when its caller gives none
(as the explorer's lot page, `MAX_WALK`): its bound on work."""
_MAD_SCALE = 0.6745
_MEAN_AD_SCALE = 1.253314
_RATIO_DECIMALS = 9


@dataclass(frozen=True)
class Campaign:
    """A transformation whose inputs are all ore lots and whose outputs are not ore: a plant processing ore
    into concentrate, doré or bars (a split or merge that keeps the ore is not a campaign).

    Attributes:
        first_output: Its first output, which names it (`LotFactsRow`).
        plant: Who made it (the issuer of its outputs).
        inputs: Its ore lots.
        outputs: Its outputs.
        fine_out_mg: Its outputs' fine gold.
        declared_in_mg: Its ore lots' declared fine gold.
        ore_gold_mg: The gold its ore held by their receipts (None when an input has no receipt).
    """

    first_output: LotId
    plant: str
    inputs: tuple[LotId, ...]
    outputs: tuple[LotId, ...]
    fine_out_mg: int
    declared_in_mg: int
    ore_gold_mg: float | None

    @property
    def recovery(self) -> float | None:
        """`fine_out_mg` over `ore_gold_mg` (None without every receipt, and for ore whose assays show no
        gold: no ratio, though gold out of it is flagged by `campaign_flags`)."""
        if self.ore_gold_mg is None or self.ore_gold_mg == 0:
            return None
        return self.fine_out_mg / self.ore_gold_mg


def _ratio(value: float) -> float:
    """A ratio as it is compared with its threshold: rounded to 9 decimals, so that float error in its
    operands (1.05 - 0.95 is 0.10000000000000009) does not carry a ratio at a threshold beyond it."""
    return round(value, _RATIO_DECIMALS)


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def _grams(mg: float) -> str:
    return f"{mg / 1000:,.3f} g"


def receipt_flags(receipt: IndexedReceipt, rules: FlagRules = DEFAULT_RULES) -> list[RedFlag]:
    """`ASSAY_DECLARATION_MISMATCH` and `ASSAY_SAMPLE_DISAGREEMENT` of one receipt."""
    flags = []
    declared, implied = receipt.fine_gold_mg, receipt.implied_gold_mg
    off = _ratio(abs(implied - declared) / declared) if declared else float("inf") if implied else 0.0
    if off > rules.assay_tolerance:
        flags.append(
            RedFlag(
                "ASSAY_DECLARATION_MISMATCH",
                f"Ore lot {receipt.lot_id}'s receipt implies {_grams(implied)} of gold "
                f"({receipt.dry_mass_mg / 1_000_000:,.3f} kg dry at {receipt.head_grade_g_t:g} g/t), "
                f"{_percent(off)} off its declared {_grams(declared)}, beyond the "
                f"{_percent(rules.assay_tolerance)} tolerance.",
            )
        )
    (sample_lab, sample), (counter_lab, counter) = receipt.sample, receipt.counter_sample
    mean = (sample + counter) / 2
    apart = _ratio(abs(sample - counter) / mean) if mean else 0.0
    if receipt.umpire is None and apart > rules.sample_tolerance:
        flags.append(
            RedFlag(
                "ASSAY_SAMPLE_DISAGREEMENT",
                f"Ore lot {receipt.lot_id}'s sample ({sample:g} g/t, {sample_lab}) and counter-sample "
                f"({counter:g} g/t, {counter_lab}) differ by {_percent(apart)} of their mean, beyond the "
                f"{_percent(rules.sample_tolerance)} tolerance, and no umpire assay settled them.",
            )
        )
    return flags


def outlier_score(grade: float, history: Sequence[float]) -> float:
    """The modified z-score of `grade` against `history` (at least one grade), as the module says: by the
    MAD, else by the mean absolute deviation, else infinite above (and 0 at or below) a constant history."""
    median = statistics.median(history)
    mad = statistics.median(abs(x - median) for x in history)
    if mad > 0:
        return _MAD_SCALE * (grade - median) / mad
    mean_ad = statistics.fmean(abs(x - median) for x in history)
    if mean_ad > 0:
        return (grade - median) / (_MEAN_AD_SCALE * mean_ad)
    return float("inf") if grade > median else 0.0


def grade_flags(
    receipt: IndexedReceipt, earlier: Sequence[IndexedReceipt], rules: FlagRules = DEFAULT_RULES
) -> list[RedFlag]:
    """`GRADE_ABOVE_HISTORY` of a receipt against its mine's earlier receipts (quiet with too few)."""
    if len(earlier) < rules.grade_history:
        return []
    history = [previous.head_grade_g_t for previous in earlier]
    score = outlier_score(receipt.head_grade_g_t, history)
    if score <= rules.grade_outlier_score:
        return []
    shown = "infinite" if score == float("inf") else f"{score:.2f}"
    return [
        RedFlag(
            "GRADE_ABOVE_HISTORY",
            f"Ore lot {receipt.lot_id} assays {receipt.head_grade_g_t:g} g/t, far above mine "
            f"{receipt.mine_id}'s {len(history)} earlier receipts "
            f"(median {statistics.median(history):g} g/t): "
            f"a modified z-score of {shown}, over {rules.grade_outlier_score:g}.",
        )
    ]


def campaign_flags(campaign: Campaign, rules: FlagRules = DEFAULT_RULES) -> list[RedFlag]:
    """`CAMPAIGN_RECOVERY_OUT_OF_BAND` of a campaign (quiet when its ore's gold is unknown, and when ore
    whose assays show no gold gave none)."""
    held, low, high = campaign.ore_gold_mg, *rules.recovery_band
    if held is None:
        return []
    lots = (
        f"The campaign of ore lots {', '.join(map(str, campaign.inputs))} into "
        f"{', '.join(map(str, campaign.outputs))} recovered {_grams(campaign.fine_out_mg)}"
    )
    if held == 0:  # any gold out of ore that held none came from elsewhere
        if campaign.fine_out_mg == 0:
            return []
        return [
            RedFlag(
                "CAMPAIGN_RECOVERY_OUT_OF_BAND",
                f"{lots} of gold from ore whose assays show no gold, outside the plausible "
                f"{_percent(low)} to {_percent(high)}.",
            )
        ]
    recovery = _ratio(campaign.fine_out_mg / held)
    if low <= recovery <= high:  # high is at most 1 (`FlagRules`)
        return []
    return [
        RedFlag(
            "CAMPAIGN_RECOVERY_OUT_OF_BAND",
            f"{lots} of the {_grams(held)} its ore held by assay: {_percent(recovery)}, outside the "
            f"plausible {_percent(low)} to {_percent(high)}.",
        )
    ]


def campaigns(
    session: Session,
    first_outputs: Collection[int],
    receipts: Mapping[LotId, IndexedReceipt] | None = None,
) -> list[Campaign]:
    """The campaigns among the transformations these first outputs name, by first output.

    Args:
        session: The index's session.
        first_outputs: The transformations, by first output.
        receipts: Receipts the caller has read already, which must hold every receipt of the inputs (None:
            they are read).
    """
    facts = rows_in(
        session,
        select(LotFactsRow.lot_id, LotFactsRow.fine_out_mg, LotFactsRow.fine_in_mg, LotRow.issuer).join(
            LotRow, LotRow.id == LotFactsRow.lot_id
        ),
        LotFactsRow.lot_id,
        sorted(set(first_outputs)),
    )
    firsts = {row.lot_id: row for row in facts}
    inputs: dict[int, list[tuple[int, int | None]]] = {}
    edges = select(ParentRow.child_id, ParentRow.parent_id, LotRow.mine_id).join(
        LotRow, LotRow.id == ParentRow.parent_id
    )
    for edge in rows_in(session, edges, ParentRow.child_id, sorted(firsts)):
        inputs.setdefault(edge.child_id, []).append((edge.parent_id, edge.mine_id))
    made = {
        first: sorted(lot for lot, _ in group)
        for first, group in inputs.items()
        if all(mine is not None for _, mine in group)
    }
    outputs: dict[int, list[int]] = {}
    kept_ore: set[int] = set()
    query = select(LotFactsRow.produced_by, LotFactsRow.lot_id, LotRow.form).join(
        LotRow, LotRow.id == LotFactsRow.lot_id
    )
    for row in rows_in(session, query, LotFactsRow.produced_by, sorted(made)):
        outputs.setdefault(row.produced_by, []).append(row.lot_id)
        if row.form == Form.ORE:
            kept_ore.add(row.produced_by)
    for first in kept_ore:  # a split or merge that keeps the ore processed nothing: no recovery to judge
        del made[first]
    if receipts is None:
        receipts = receipts_of(session, [lot for group in made.values() for lot in group])
    found = []
    for first in sorted(made):
        group = made[first]
        held = [receipts[LotId(lot)].implied_gold_mg for lot in group if lot in receipts]
        row = firsts[first]
        found.append(
            Campaign(
                first_output=LotId(first),
                plant=row.issuer,
                inputs=tuple(LotId(lot) for lot in group),
                outputs=tuple(LotId(lot) for lot in sorted(outputs[first])),
                fine_out_mg=row.fine_out_mg,
                declared_in_mg=row.fine_in_mg,
                ore_gold_mg=sum(held) if len(held) == len(group) else None,
            )
        )
    return found


def assay_flags(
    index: Index,
    lot_id: LotId,
    rules: FlagRules = DEFAULT_RULES,
    ancestry: Collection[int] | None = None,
) -> list[RedFlag]:
    """The assay and campaign flags of a lot over its provenance: of each ore lot in it with a receipt, and
    of each campaign in it.

    Args:
        index: The index.
        lot_id: The lot.
        rules: The thresholds.
        ancestry: The lots of its provenance to judge, the lot among them: the ancestry its caller walked
            (the explorer's lot page passes the one it walked up to its bound). None: walked here, up to
            `MAX_ANCESTRY` transformations and ore lots.

    Raises:
        UnknownLot: The index has no such lot.
        InvalidInput: `lot_id` is not a whole number.
    """
    with Database(index.engine).session() as session:
        if session.get(LotRow, checked_id(lot_id)) is None:
            raise UnknownLot(lot_id=lot_id)
    if ancestry is None:
        ancestry = index.ancestry(lot_id, limit=MAX_ANCESTRY).representative
    lots = sorted({lot_id, *ancestry})
    with Database(index.engine).session() as session:  # one session: a lot page pays a few statements
        receipts = receipts_of(session, lots)
        if not receipts:  # no receipt in the provenance: neither a grade nor a recovery to judge
            return []
        histories = mine_receipts_around(session, list(receipts), rules.history_window)
        produced = rows_in(session, select(LotFactsRow.produced_by), LotFactsRow.lot_id, lots)
        made = {row.produced_by for row in produced if row.produced_by is not None}
        found = campaigns(session, made, receipts)  # the inputs of its campaigns are lots of `lots`
    flags = received_flags(histories, set(receipts), rules)
    return flags + [flag for campaign in found for flag in campaign_flags(campaign, rules)]


def mine_assay_flags(index: Index, mine_id: MineId, rules: FlagRules = DEFAULT_RULES) -> list[RedFlag]:
    """The receipt flags and `GRADE_ABOVE_HISTORY` of every receipt of a mine's ore lots, in the order of
    declaration: what its page shows of its grade history."""
    with Database(index.engine).session() as session:
        histories = mine_receipts(session, [mine_id])
    return received_flags(histories, {receipt.lot_id for receipt in histories[mine_id]}, rules)


def received_flags(
    histories: Mapping[MineId, Sequence[IndexedReceipt]],
    lots: Collection[int],
    rules: FlagRules = DEFAULT_RULES,
) -> list[RedFlag]:
    """The receipt flags and `GRADE_ABOVE_HISTORY` of the receipts of `lots` among mines' histories in order
    of declaration (`mine_receipts`, or `mine_receipts_around` these lots), each judged by the last
    `FlagRules.history_window` earlier receipts of its mine; by mine, then in order of declaration."""
    flags: list[RedFlag] = []
    for _, history in sorted(histories.items()):
        for position, receipt in enumerate(history):
            if receipt.lot_id in lots:
                earlier = history[max(0, position - rules.history_window) : position]
                flags.extend(receipt_flags(receipt, rules))
                flags.extend(grade_flags(receipt, earlier, rules))
    return flags
