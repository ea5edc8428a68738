"""The assay red flags, each firing on a constructed case and quiet at and just inside its threshold; then
on a real chain: receipts resolved into the index from the document store, the flags of a lot's provenance
and a plant's dashboard with exact figures."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import filon
from common import statements_sent
from filon import LotId, MineId
from filon.explorer import create_app
from filon.index._assay_flags import (
    Campaign,
    assay_flags,
    campaign_flags,
    campaigns,
    grade_flags,
    mine_assay_flags,
    outlier_score,
    receipt_flags,
    received_flags,
)
from filon.index._database import Database
from filon.index._flags import FlagRules, RedFlag
from filon.index._plants import MonthIntake, NotAPlant, SupplyingMine, plant_dashboard
from filon.index._receipts import IndexedReceipt, mine_receipts, mine_receipts_around, receipts_of
from filon.passport import Facility, Party, Quantity

from .helpers import CAPACITY_MG, World, block_time

TONNE_MG = 1_000_000_000


def _receipt(
    sample: float,
    counter: float | None = None,
    *,
    umpire: float | None = None,
    declared: int = 10_000,
    lot: int = 1,
) -> IndexedReceipt:
    """One tonne of ore at 0 % moisture, so that the implied gold in mg is the head grade times 1,000."""
    return IndexedReceipt(
        lot_id=LotId(lot),
        mine_id=MineId(1),
        fine_gold_mg=declared,
        version=2,
        recorded_by="0x" + "22" * 20,
        received_on=datetime.date(2027, 3, 1),
        wet_mass_mg=TONNE_MG,
        moisture_pct=0.0,
        dry_mass_mg=TONNE_MG,
        sample=("SGS Lima", sample),
        counter_sample=("ALS Lima", sample if counter is None else counter),
        umpire=None if umpire is None else ("Inspectorate", umpire),
    )


def _codes(flags: list[RedFlag]) -> list[str]:
    return [flag.code for flag in flags]


def test_the_declaration_mismatch_fires_beyond_its_tolerance_on_either_side() -> None:
    # Declared 10 g; the receipt implies 1 t x grade. 10 % off (11 g, 9 g) is at the tolerance: quiet.
    assert receipt_flags(_receipt(11)) == []
    assert receipt_flags(_receipt(9)) == []
    (above,) = receipt_flags(_receipt(11.001))
    assert (above.code, above.message) == (
        "ASSAY_DECLARATION_MISMATCH",
        "Ore lot 1's receipt implies 11.001 g of gold (1,000.000 kg dry at 11.001 g/t), 10.0% off its "
        "declared 10.000 g, beyond the 10.0% tolerance.",
    )
    assert _codes(receipt_flags(_receipt(8.999))) == ["ASSAY_DECLARATION_MISMATCH"]
    # The umpire's grade is the head grade: 12 and 8 settle at 10 by the umpire, not at their mean.
    assert receipt_flags(_receipt(16, 14, umpire=10)) == []
    assert _codes(receipt_flags(_receipt(10, 10, umpire=12))) == ["ASSAY_DECLARATION_MISMATCH"]
    assert _codes(receipt_flags(_receipt(10), FlagRules(assay_tolerance=0.0001))) == []
    assert _codes(receipt_flags(_receipt(10.01), FlagRules(assay_tolerance=0.0001))) == [
        "ASSAY_DECLARATION_MISMATCH"
    ]


def test_the_sample_disagreement_fires_beyond_its_tolerance_without_an_umpire() -> None:
    # |10.5 - 9.5| / 10 = 10 %: at the tolerance, quiet; 1.1 / 10.05 = 10.9 %: flagged.
    assert receipt_flags(_receipt(10.5, 9.5)) == []
    # 1.05 - 0.95 is 0.10000000000000009 in floats: the gap, rounded to 9 decimals, is at 10 %, quiet.
    assert receipt_flags(_receipt(1.05, 0.95, declared=1_000)) == []
    assert _codes(receipt_flags(_receipt(1.05, 0.949, declared=1_000))) == ["ASSAY_SAMPLE_DISAGREEMENT"]
    (apart,) = receipt_flags(_receipt(10.6, 9.5))
    assert (apart.code, apart.message) == (
        "ASSAY_SAMPLE_DISAGREEMENT",
        "Ore lot 1's sample (10.6 g/t, SGS Lima) and counter-sample (9.5 g/t, ALS Lima) differ by 10.9% of "
        "their mean, beyond the 10.0% tolerance, and no umpire assay settled them.",
    )
    assert receipt_flags(_receipt(10.6, 9.5, umpire=10)) == []  # an umpire settled it
    assert receipt_flags(_receipt(0, 0, declared=1)) == [  # no gold in either: no disagreement
        RedFlag(
            "ASSAY_DECLARATION_MISMATCH",
            "Ore lot 1's receipt implies 0.000 g of gold (1,000.000 kg dry at 0 g/t), 100.0% off its "
            "declared 0.001 g, beyond the 10.0% tolerance.",
        )
    ]


def test_the_grade_above_history_by_median_and_mad() -> None:
    history = [_receipt(grade, lot=lot) for lot, grade in enumerate((10, 11, 12, 13, 14), start=1)]
    # Median 12, MAD 1: the score is 0.6745 x (grade - 12), over 3.5 from 17.189... g/t.
    assert outlier_score(17.19, [10, 11, 12, 13, 14]) == pytest.approx(3.500655)
    assert grade_flags(_receipt(17.18, lot=9), history) == []
    (high,) = grade_flags(_receipt(18, lot=9), history)
    assert (high.code, high.message) == (
        "GRADE_ABOVE_HISTORY",
        "Ore lot 9 assays 18 g/t, far above mine 1's 5 earlier receipts (median 12 g/t): a modified "
        "z-score of 4.05, over 3.5.",
    )
    assert _codes(grade_flags(_receipt(17.19, lot=9), history)) == ["GRADE_ABOVE_HISTORY"]
    at = FlagRules(grade_outlier_score=0.6745 * 5)  # 17 g/t scores exactly this: at the mark, quiet
    assert grade_flags(_receipt(17, lot=9), history, at) == []
    assert _codes(grade_flags(_receipt(17.01, lot=9), history, at)) == ["GRADE_ABOVE_HISTORY"]
    # Four earlier receipts are too few to judge by (the default asks for 5); a lower bar judges.
    assert grade_flags(_receipt(100, lot=9), history[:4]) == []
    assert _codes(grade_flags(_receipt(100, lot=9), history[:4], FlagRules(grade_history=4))) == [
        "GRADE_ABOVE_HISTORY"
    ]


def test_a_grade_is_judged_by_the_last_window_of_its_mines_earlier_receipts() -> None:
    # Ten early lots at 30 g/t, then fifty at 10 to 14 g/t, then one at 18 g/t. The last 50 have median 12
    # and MAD 1: a score of 4.05, flagged. The whole 60 have median 13 and MAD 2: 1.69, quiet.
    grades = [30.0] * 10 + [10.0 + lot % 5 for lot in range(50)] + [18.0]
    history = [
        _receipt(grade, grade, declared=round(grade * 1000), lot=lot) for lot, grade in enumerate(grades)
    ]
    (high,) = received_flags({MineId(1): history}, {60})
    assert high.message == (
        "Ore lot 60 assays 18 g/t, far above mine 1's 50 earlier receipts (median 12 g/t): a modified "
        "z-score of 4.05, over 3.5."
    )
    assert received_flags({MineId(1): history}, {60}, FlagRules(history_window=60)) == []


def test_a_mad_of_zero_falls_back_to_the_mean_absolute_deviation_then_to_any_grade_above() -> None:
    # 10, 10, 10, 11, 12: median 10, MAD 0; mean absolute deviation 0.6, so the score is
    # (grade - 10) / (1.253314 x 0.6): 12.6 scores 3.4575, 12.7 scores 3.5905.
    spread = [10, 10, 10, 11, 12]
    assert outlier_score(12.6, spread) == pytest.approx(2.6 / (1.253314 * 0.6))
    history = [_receipt(grade, lot=lot) for lot, grade in enumerate(spread, start=1)]
    assert grade_flags(_receipt(12.6, lot=9), history) == []
    assert _codes(grade_flags(_receipt(12.7, lot=9), history)) == ["GRADE_ABOVE_HISTORY"]
    # Every earlier grade 10: any grade above is flagged, an equal one is not.
    same = [_receipt(10, lot=lot) for lot in range(1, 6)]
    assert outlier_score(10, [10] * 5) == 0.0
    assert grade_flags(_receipt(10, lot=9), same) == []
    (above,) = grade_flags(_receipt(10.01, lot=9), same)
    assert above.message.endswith("a modified z-score of infinite, over 3.5.")


def _campaign(fine_out: int, ore_gold: float | None = 10_000.0) -> Campaign:
    return Campaign(LotId(5), "0x" + "22" * 20, (LotId(1), LotId(2)), (LotId(5),), fine_out, 10_000, ore_gold)


def test_a_campaign_recovery_outside_its_band() -> None:
    # The ore held 10 g by assay: 7 g out is 70 % (the band's bottom), 10 g is 100 % (its top).
    assert campaign_flags(_campaign(7_000)) == []
    assert campaign_flags(_campaign(10_000)) == []
    (low,) = campaign_flags(_campaign(6_999))
    assert (low.code, low.message) == (
        "CAMPAIGN_RECOVERY_OUT_OF_BAND",
        "The campaign of ore lots 1, 2 into 5 recovered 6.999 g of the 10.000 g its ore held by assay: "
        "70.0%, outside the plausible 70.0% to 100.0%.",
    )
    assert _codes(campaign_flags(_campaign(10_001))) == ["CAMPAIGN_RECOVERY_OUT_OF_BAND"]
    assert campaign_flags(_campaign(1, ore_gold=None)) == []  # an input without a receipt: unknown
    assert _campaign(9_000).recovery == 0.9
    assert _codes(campaign_flags(_campaign(8_500), FlagRules(recovery_band=(0.9, 1.0)))) == [
        "CAMPAIGN_RECOVERY_OUT_OF_BAND"
    ]


def test_gold_recovered_from_ore_whose_assays_show_none_is_flagged() -> None:
    # Ore assayed at 0 g/t holds no gold: its recovery has no ratio (None), but any gold out of it is flagged.
    assert _campaign(1, ore_gold=0.0).recovery is None
    (none,) = campaign_flags(_campaign(1, ore_gold=0.0))
    assert (none.code, none.message) == (
        "CAMPAIGN_RECOVERY_OUT_OF_BAND",
        "The campaign of ore lots 1, 2 into 5 recovered 0.001 g of gold from ore whose assays show no gold, "
        "outside the plausible 70.0% to 100.0%.",
    )
    assert campaign_flags(_campaign(0, ore_gold=0.0)) == []  # none in, none out


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"assay_tolerance": 0}, "assay_tolerance is a number above 0, not 0"),
        ({"sample_tolerance": float("nan")}, "sample_tolerance is a number above 0, not nan"),
        ({"grade_outlier_score": float("inf")}, "grade_outlier_score is a number above 0, not inf"),
        ({"grade_history": 1}, "grade_history is 2 or more, not 1"),
        ({"history_window": 4}, "history_window is grade_history (5) or more, not 4"),
        (
            {"recovery_band": (0.8, 1.1)},
            "recovery_band is (lowest, highest) with 0 <= lowest <= highest <= 1, not (0.8, 1.1)",
        ),
    ],
)
def test_the_assay_thresholds_are_checked(rules: dict[str, object], message: str) -> None:
    with pytest.raises(filon.InvalidInput) as error:
        FlagRules(**rules)  # type: ignore[arg-type]
    assert str(error.value) == message


def _passport(mine: int, fine: int, batch: str) -> filon.Passport:
    return filon.Passport(
        lot=filon.LotReference(batch_id=batch),
        producer=Party(name=f"Mine {mine}"),
        facility=Facility(mine_id=mine, name=f"Mine {mine}", country="PE", region="Ayacucho"),
        production_date=datetime.date(2026, 11, 2),
        quantity=Quantity(
            gross_mass_mg=TONNE_MG, fineness_ppt=round(1000 * fine / TONNE_MG, 3), fine_gold_mg=fine
        ),
    )


def _delivered(world: World, store: filon.DocumentStore, batch: str, grade: float) -> LotId:
    """An ore lot of mine 1 (10 g of fine gold, with a passport) the miner carries to the plant, whose two
    samples the plant then assays at `grade` g/t."""
    roles = world.roles
    miner = world.client(roles.miner, store=store)
    lot = miner.declare_lot_with_passport(MineId(1), _passport(1, 10_000, batch))
    miner.transfer(lot, roles.plant.address)
    world.client(roles.plant, store=store).record_assay(
        lot, filon.LabAssay("SGS Lima", grade), filon.LabAssay("ALS Lima", grade), moisture_pct=0
    )
    return lot


def test_receipts_in_the_index_the_flags_of_a_provenance_and_a_plants_dashboard(
    world: World, database_url: str, tmp_path: Path
) -> None:
    roles = world.roles
    store = filon.DocumentStore(tmp_path / "store")
    miner, miner2 = world.client(roles.miner, store=store), world.client(roles.miner2, store=store)
    plant = world.client(roles.plant, store=store)
    # Mine 1: five tonnes at 10 to 14 g/t, then one at 18 g/t; mine 2: a tonne declared at 10 g that
    # assays 12 g/t, and one at 11 g whose sample (10) and counter-sample (12) disagree.
    lots: dict[str, LotId] = {}
    for name, client, mine, fine in (
        *((f"h{grade}", miner, 1, grade * 1000) for grade in (10, 11, 12, 13, 14)),
        ("rich", miner, 1, 18_000),
        ("mismatch", miner2, 2, 10_000),
        ("apart", miner2, 2, 11_000),
    ):
        lots[name] = client.declare_lot_with_passport(MineId(mine), _passport(mine, fine, name))
        client.transfer(lots[name], roles.plant.address)
    for name, sample, counter in (
        *((f"h{grade}", grade, grade) for grade in (10, 11, 12, 13, 14)),
        ("rich", 18, 18),
        ("mismatch", 12, 12),
        ("apart", 10, 12),
    ):
        plant.record_assay(
            lots[name],
            filon.LabAssay("SGS Lima", sample),
            filon.LabAssay("ALS Lima", counter),
            moisture_pct=0,
            received_on=datetime.date(2026, 11, 20),
        )
    # 60 g of ore gold by assay into 54 g of doré (90 %); 12 g into 8 g (66.7 %: out of band).
    (good,) = plant.transform(
        [lots[f"h{grade}"] for grade in (10, 11, 12, 13, 14)],
        [filon.LotOutput(filon.Form.DORE, 54_000, 60_000)],
        b"\1" * 32,
    )
    (poor,) = plant.transform(
        [lots["mismatch"]], [filon.LotOutput(filon.Form.DORE, 8_000, 9_000)], b"\2" * 32
    )
    month = datetime.datetime.fromtimestamp(block_time(world.url), tz=datetime.UTC).strftime("%Y-%m")

    with world.index(database_url) as index:
        index.sync()
        assert index.resolve_records(store) == 8
        assert index.resolve_records(store) == 0
        with Database(index.engine).session() as session:
            found = receipts_of(session, [lots["apart"], lots["h10"] + 10_000])
        assert found == {
            lots["apart"]: IndexedReceipt(
                lot_id=lots["apart"],
                mine_id=MineId(2),
                fine_gold_mg=11_000,
                version=2,
                recorded_by=roles.plant.address,
                received_on=datetime.date(2026, 11, 20),
                wet_mass_mg=TONNE_MG,
                moisture_pct=0.0,
                dry_mass_mg=TONNE_MG,
                sample=("SGS Lima", 10.0),
                counter_sample=("ALS Lima", 12.0),
                umpire=None,
            )
        }
        assert assay_flags(index, good) == []
        assert _codes(assay_flags(index, lots["rich"])) == ["GRADE_ABOVE_HISTORY"]
        mismatch, recovery = assay_flags(index, poor)
        assert (mismatch.code, recovery.code) == (
            "ASSAY_DECLARATION_MISMATCH",
            "CAMPAIGN_RECOVERY_OUT_OF_BAND",
        )
        assert recovery.message == (
            f"The campaign of ore lots {lots['mismatch']} into {poor} recovered 8.000 g of the 12.000 g its "
            "ore held by assay: 66.7%, outside the plausible 70.0% to 100.0%."
        )

        # A mine page's receipt flags: every receipt of its lots, each against the mine's earlier ones.
        (rich,) = mine_assay_flags(index, MineId(1))
        assert rich.message.startswith(f"Ore lot {lots['rich']} assays 18 g/t, far above mine 1's 5 earlier")
        assert _codes(mine_assay_flags(index, MineId(2))) == [
            "ASSAY_DECLARATION_MISMATCH",
            "ASSAY_SAMPLE_DISAGREEMENT",
        ]
        assert mine_assay_flags(index, MineId(3)) == []

        dashboard = plant_dashboard(index, roles.plant.address.lower())
        assert dashboard.plant == roles.plant.address
        assert dashboard.intake == [
            MonthIntake(month, MineId(1), 6, 78_000, 6 * TONNE_MG, 13.0),
            MonthIntake(month, MineId(2), 2, 21_000, 2 * TONNE_MG, 11.5),
        ]
        assert dashboard.mines == [
            SupplyingMine(MineId(1), None, 6, 78_000, CAPACITY_MG, 78_000, 7.8),
            SupplyingMine(MineId(2), None, 2, 21_000, CAPACITY_MG, 21_000, 2.1),
        ]
        assert [(c.first_output, c.inputs, c.recovery) for c in dashboard.campaigns] == [
            (good, tuple(lots[f"h{grade}"] for grade in (10, 11, 12, 13, 14)), 0.9),
            (poor, (lots["mismatch"],), 8_000 / 12_000),
        ]
        assert _codes(dashboard.flags) == [
            "GRADE_ABOVE_HISTORY",
            "ASSAY_DECLARATION_MISMATCH",
            "ASSAY_SAMPLE_DISAGREEMENT",
            "CAMPAIGN_RECOVERY_OUT_OF_BAND",
        ]
        with pytest.raises(NotAPlant) as refiner:
            plant_dashboard(index, roles.refiner.address)
        assert str(refiner.value) == f"{roles.refiner.address} received no ore lot: it is not a plant"
        with pytest.raises(NotAPlant) as outsider:
            plant_dashboard(index, roles.outsider.address)
        assert str(outsider.value) == f"{roles.outsider.address} was never an admitted participant"
        with pytest.raises(filon.InvalidInput) as bad:
            plant_dashboard(index, "0xnope")
        assert str(bad.value) == "'0xnope' is not an Ethereum address"


def test_the_flags_of_an_unknown_lot(world: World, sqlite_url: str) -> None:
    with world.index(sqlite_url) as index:
        index.sync()
        for lot in (999_999, 2**64):
            with pytest.raises(filon.UnknownLot) as unknown:
                assay_flags(index, LotId(lot))
            assert str(unknown.value) == f"No lot has id {lot}."


def test_only_the_latest_version_counts_and_a_package_failing_its_root_is_not_kept(
    world: World, sqlite_url: str, tmp_path: Path
) -> None:
    roles = world.roles
    store = filon.DocumentStore(tmp_path / "store")
    miner, plant = world.client(roles.miner, store=store), world.client(roles.plant, store=store)
    lot = miner.declare_lot_with_passport(MineId(1), _passport(1, 10_000, "ore"))
    miner.transfer(lot, roles.plant.address)
    assayed = plant.record_assay(
        lot, filon.LabAssay("SGS Lima", 10), filon.LabAssay("ALS Lima", 10), moisture_pct=0
    )
    with world.index(sqlite_url) as index:
        index.sync()
        assert index.resolve_records(store) == 1
        with Database(index.engine).session() as session:
            assert receipts_of(session, [lot])[lot].version == 2
        # Version 3 names version 2's package under another root: it fails its check, and the lot has no
        # receipt in the index (its latest version's is unknown), however often it is read.
        plant.record_passport(lot, b"\7" * 32, assayed.uri)
        index.sync()
        assert index.resolve_records(store) == 0
        assert index.resolve_records(store) == 0
        with Database(index.engine).session() as session:
            assert receipts_of(session, [lot]) == {}
        # Version 4 records version 2's root and package again: read, checked and kept.
        plant.record_passport(lot, assayed.root, assayed.uri)
        index.sync()
        assert index.resolve_records(store) == 1
        with Database(index.engine).session() as session:
            found = receipts_of(session, [lot])[lot]
        assert (found.version, found.sample, found.head_grade_g_t) == (4, ("SGS Lima", 10.0), 10.0)


def test_a_receipt_counts_only_from_a_holder_other_than_the_lots_issuer(
    world: World, sqlite_url: str, tmp_path: Path
) -> None:
    roles = world.roles
    store = filon.DocumentStore(tmp_path / "store")
    miner = world.client(roles.miner, store=store)
    refiner = world.client(roles.refiner, store=store)
    # The miner records a receipt of its own lot before handing it over (its samples disagree, 10 and 12
    # g/t): the index never reads it, so it gives no figures, no flag and no history.
    own = miner.declare_lot_with_passport(MineId(1), _passport(1, 10_000, "own"))
    miner.record_assay(own, filon.LabAssay("SGS Lima", 10), filon.LabAssay("ALS Lima", 12), moisture_pct=0)
    miner.transfer(own, roles.plant.address)
    # The refiner assays a lot while it holds it (30 g/t against 12 g declared), then passes it to the
    # plant: a receipt in the index, but the refiner's, not the plant's.
    passed = miner.declare_lot_with_passport(MineId(1), _passport(1, 12_000, "passed"))
    miner.transfer(passed, roles.refiner.address)
    refiner.record_assay(
        passed, filon.LabAssay("SGS Lima", 30), filon.LabAssay("ALS Lima", 30), moisture_pct=0
    )
    refiner.transfer(passed, roles.plant.address)
    month = datetime.datetime.fromtimestamp(block_time(world.url), tz=datetime.UTC).strftime("%Y-%m")
    with world.index(sqlite_url) as index:
        index.sync()
        assert index.resolve_records(store) == 1
        with Database(index.engine).session() as session:
            assert receipts_of(session, [own]) == {}
            (history,) = mine_receipts(session, [MineId(1)]).values()
        assert [(r.lot_id, r.recorded_by, r.head_grade_g_t) for r in history] == [
            (passed, roles.refiner.address, 30.0)
        ]
        assert assay_flags(index, own) == []
        assert _codes(assay_flags(index, passed)) == ["ASSAY_DECLARATION_MISMATCH"]
        at_plant = plant_dashboard(index, roles.plant.address)
        assert at_plant.intake == [MonthIntake(month, MineId(1), 2, 22_000, 0, None)]
        assert at_plant.flags == []
        at_refiner = plant_dashboard(index, roles.refiner.address)
        assert at_refiner.intake == [MonthIntake(month, MineId(1), 1, 12_000, TONNE_MG, 30.0)]
        assert _codes(at_refiner.flags) == ["ASSAY_DECLARATION_MISMATCH"]


def test_a_lots_flags_read_a_bounded_history_of_its_mine(
    world: World, sqlite_url: str, tmp_path: Path
) -> None:
    store = filon.DocumentStore(tmp_path / "store")
    rules = FlagRules(grade_history=5, history_window=5)

    def deliver(count: int) -> list[LotId]:
        return [_delivered(world, store, f"ore-{i}", 10) for i in range(count)]

    first = deliver(7)
    with world.index(sqlite_url) as index:
        index.sync()
        assert index.resolve_records(store) == 7
        before = statements_sent(index, lambda: assay_flags(index, first[-1], rules))
        more = deliver(7)
        index.sync()
        assert index.resolve_records(store) == 7
        assert statements_sent(index, lambda: assay_flags(index, more[-1], rules)) == before
        with Database(index.engine).session() as session:
            (around,) = mine_receipts_around(session, [more[-1]], 5).values()
            (spanned,) = mine_receipts_around(session, [first[-1], more[1]], 5).values()
        # The last lot and its 5 earlier; two lots and everything between them, with the first's 5 earlier.
        assert [receipt.lot_id for receipt in around] == (first + more)[-6:]
        assert [receipt.lot_id for receipt in spanned] == [*first[1:], *more[:2]]


def test_a_split_or_merge_that_keeps_the_ore_is_no_campaign(
    world: World, sqlite_url: str, tmp_path: Path
) -> None:
    roles = world.roles
    store = filon.DocumentStore(tmp_path / "store")
    plant = world.client(roles.plant, store=store)
    ore = [_delivered(world, store, batch, 10) for batch in ("a", "b")]
    # 20 g of ore gold by assay merged into ore of 10 g: a 50 % "recovery", but nothing was processed.
    (merged,) = plant.transform(ore, [filon.LotOutput(filon.Form.ORE, 10_000, 2 * TONNE_MG)], b"\3" * 32)
    with world.index(sqlite_url) as index:
        index.sync()
        assert index.resolve_records(store) == 2
        with Database(index.engine).session() as session:
            assert campaigns(session, [merged]) == []
        assert assay_flags(index, merged) == []
        assert plant_dashboard(index, roles.plant.address).campaigns == []


def test_a_kept_lot_page_shows_a_receipt_resolved_after_it_was_kept(
    world: World, sqlite_url: str, tmp_path: Path
) -> None:
    store = filon.DocumentStore(tmp_path / "store")
    lot = _delivered(world, store, "ore", 12)
    os.utime(store.path, ns=(10**18, 10**18))  # long unchanged: the store's mark is trusted, pages are kept
    with world.index(sqlite_url) as index:
        index.sync()
        client = TestClient(create_app(index, store))
        assert client.get(f"/api/lots/{lot}").json()["flags"] == []  # kept, the receipt not resolved yet
        assert index.resolve_records(store) == 1  # moves neither the index's position nor the store's mark
        flags = client.get(f"/api/lots/{lot}").json()["flags"]
        assert [flag["code"] for flag in flags] == ["ASSAY_DECLARATION_MISMATCH"]
