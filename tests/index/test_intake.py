"""A plant's intake report over whole UTC days on a real chain: lots received at the first and the last
second of the period count, lots a second outside it on either end do not; dry mass and grade from the
receipts in the document store; the CSV and the XLSX (read back with openpyxl) carry the same row."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

import filon
from filon._cli import cli
from filon._cli._common import run
from filon.index._intake import COLUMNS, IntakeRow, day_start, intake_report
from filon.passport import Facility, Party, Quantity

from .helpers import World, block_time, rpc, utc_year

HUANCA = filon.MineRecord(name="Huanca", region="Ayacucho", register_code="R-1")


def _passport(mine: int, fine: int, gross: int, batch: str) -> filon.Passport:
    return filon.Passport(
        lot=filon.LotReference(batch_id=batch),
        producer=Party(name=f"Mine {mine}"),
        facility=Facility(mine_id=mine, name=f"Mine {mine}", country="PE", region="Ayacucho"),
        production_date=datetime.date(2026, 11, 2),
        quantity=Quantity(gross_mass_mg=gross, fineness_ppt=round(1000 * fine / gross, 3), fine_gold_mg=fine),
    )


def _at(world: World, timestamp: int) -> None:
    rpc(world.url, "evm_setNextBlockTimestamp", timestamp)


def _assay(sample: float, counter: float, umpire: float | None = None) -> dict[str, filon.LabAssay]:
    return {
        "sample": filon.LabAssay("SGS Lima", sample),
        "counter_sample": filon.LabAssay("ALS Lima", counter),
        **({"umpire": filon.LabAssay("Inspectorate", umpire)} if umpire is not None else {}),
    }


def test_a_period_of_whole_utc_days_with_lots_a_second_outside_it_on_both_ends(
    world: World, database_url: str, tmp_path: Path
) -> None:
    roles = world.roles
    # March of next year on the chain's clock: the period is always ahead of the lots' declarations.
    year = utc_year(block_time(world.url)) + 1
    first, last = datetime.date(year, 3, 1), datetime.date(year, 3, 31)
    start, end = day_start(first), day_start(last) + 86_400  # the period is start <= t < end
    store = filon.DocumentStore(tmp_path / "store")
    registrar = world.client(roles.registrar, store=store)
    registrar.publish_mine_record(filon.MineId(1), HUANCA)
    miner = world.client(roles.miner, store=store)
    miner2 = world.client(roles.miner2, store=store)
    plant = world.client(roles.plant, store=store)
    ore = {
        name: client.declare_lot_with_passport(filon.MineId(mine), _passport(mine, fine, gross, name))
        for name, client, mine, fine, gross in (
            ("before", miner, 1, 7_000, 1_000_000_000),
            ("first second", miner, 1, 20_000, 2_000_000_000),
            ("mine 2", miner2, 2, 30_000, 3_000_000_000),
            ("last second", miner, 1, 25_000, 1_000_000_000),
            ("after", miner, 1, 9_000, 1_000_000_000),
            ("elsewhere", miner, 1, 11_000, 1_000_000_000),
        )
    }
    # Mine 2's operator records a receipt of its own lot before handing it over: not the plant's, not read.
    miner2.record_assay(ore["mine 2"], moisture_pct=0, **_assay(10, 10))
    for name, when in (
        ("before", start - 1),
        ("first second", start),
        ("mine 2", start + 10 * 86_400),
        ("last second", end - 1),
        ("after", end),
    ):
        _at(world, when)
        client = miner2 if name == "mine 2" else miner
        client.transfer(ore[name], roles.plant.address)
    miner.transfer(ore["elsewhere"], roles.refiner.address)  # after the period, and to a refiner
    for name in ("before", "after"):  # receipts outside the period change nothing
        plant.record_assay(ore[name], moisture_pct=0, **_assay(50, 50))
    # 2 t at 10 % moisture: 1,800 kg dry at 11 g/t (the mean of 10 and 12); 1 t at 20 %: 800 kg dry at
    # 26 g/t (the umpire's). Weighted by dry mass: (1,800 x 11 + 800 x 26) / 2,600 = 15.615... g/t.
    plant.record_assay(ore["first second"], moisture_pct=10, **_assay(10, 12))
    plant.record_assay(ore["last second"], moisture_pct=20, **_assay(30, 20, 26))
    registrar.set_mine_status(filon.MineId(2), filon.MineStatus.SUSPENDED)

    with world.index(database_url) as index:
        index.sync()
        index.resolve_records(store)
        report = intake_report(index, store, roles.plant.address.lower(), first, last)
        assert (report.plant, report.first_day, report.last_day) == (roles.plant.address, first, last)
        assert report.rows == [
            IntakeRow(
                mine_id=filon.MineId(1),
                mine_name="Huanca",
                lots=2,
                dry_mass_mg=2_600_000_000,
                fine_gold_mg=45_000,
                average_grade_g_t=(1_800 * 11 + 800 * 26) / 2_600,
                capacity_mg=1_000_000,
                capacity_used_pct=4.5,
                flags=(),
            ),
            # No receipt of the plant's (the miner's own does not count): no dry mass, no grade, and the flag
            # that says why.
            IntakeRow(
                mine_id=filon.MineId(2),
                mine_name=None,
                lots=1,
                dry_mass_mg=None,
                fine_gold_mg=30_000,
                average_grade_g_t=None,
                capacity_mg=1_000_000,
                capacity_used_pct=3.0,
                flags=("MINE_SUSPENDED", "RECEIPT_MISSING"),
            ),
        ]
        # One day, the period's first: only the lot received at its first second.
        (first_day,) = intake_report(index, store, roles.plant.address, first, first).rows
        assert (first_day.lots, first_day.fine_gold_mg, first_day.dry_mass_mg) == (1, 20_000, 1_800_000_000)
        # Without the store's packages the index has no receipt to read: the figures are unknown.
        (bare, _) = intake_report(
            index, filon.DocumentStore(tmp_path / "empty"), roles.plant.address, first, last
        ).rows
        assert (bare.lots, bare.dry_mass_mg, bare.average_grade_g_t, bare.flags) == (
            2,
            None,
            None,
            ("RECEIPT_MISSING",),
        )
        assert intake_report(index, store, roles.refiner.address, first, last).rows == []
        with pytest.raises(filon.InvalidInput) as unknown:
            intake_report(index, store, roles.outsider.address, first, last)
        assert str(unknown.value) == (
            f"{roles.outsider.address} was never an admitted participant: the index knows no plant there"
        )
        with pytest.raises(filon.InvalidInput) as backwards:
            intake_report(index, store, roles.plant.address, last, first)
        assert str(backwards.value) == f"The period ends ({first}) before it starts ({last})"

    manifest = world.deployment.save(tmp_path / "deployment.json")
    common = ["--deployment", str(manifest), "--database", database_url, "--store", str(tmp_path / "store")]
    period = ["--plant", roles.plant.address, "--from", str(first), "--to", str(last)]
    expected = [
        ["1", "Huanca", "2", "2600.0", "45000", "15.615", "1000000", "4.5", ""],
        ["2", "", "1", "", "30000", "", "1000000", "3.0", "MINE_SUSPENDED;RECEIPT_MISSING"],
    ]
    assert run(cli, ["report", "intake", *period, "--out", str(tmp_path / "intake.csv"), *common]) == 0
    with (tmp_path / "intake.csv").open(newline="") as file:
        assert list(csv.reader(file)) == [list(COLUMNS), *expected]
    assert run(cli, ["report", "intake", *period, "--out", str(tmp_path / "intake.xlsx"), *common]) == 0
    book = load_workbook(tmp_path / "intake.xlsx")
    sheet = book.active
    assert sheet is not None
    assert sheet.title == f"Intake {first} to {last}"
    assert list(sheet.iter_rows(values_only=True)) == [
        COLUMNS,
        (1, "Huanca", 2, 2600.0, 45_000, 15.615, 1_000_000, 4.5, None),
        (2, None, 1, None, 30_000, None, 1_000_000, 3.0, "MINE_SUSPENDED;RECEIPT_MISSING"),
    ]
    assert book.properties.title == f"Intake of {roles.plant.address}, {first} to {last} (UTC)"


def test_bad_days_an_unknown_plant_and_a_wrong_extension_are_one_line_errors(
    world: World, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with world.index(sqlite_url) as index:
        index.sync()
    manifest = world.deployment.save(tmp_path / "deployment.json")
    common = ["--deployment", str(manifest), "--database", sqlite_url, "--store", str(tmp_path / "store")]
    plant, outsider = world.roles.plant.address, world.roles.outsider.address
    out, ods = str(tmp_path / "intake.csv"), str(tmp_path / "intake.ods")
    for arguments, error in (
        (["--plant", plant, "--from", "2027-02-30", "--to", "2027-03-31", "--out", out],
         "--from '2027-02-30' is not a day YYYY-MM-DD"),
        (["--plant", plant, "--from", "2027-03-01", "--to", "2027-03-31T12:00", "--out", out],
         "--to '2027-03-31T12:00' is not a day YYYY-MM-DD"),
        (["--plant", plant, "--from", "2027-03-31", "--to", "2027-03-01", "--out", out],
         "The period ends (2027-03-01) before it starts (2027-03-31)"),
        (["--plant", outsider, "--from", "2027-03-01", "--to", "2027-03-31", "--out", out],
         f"{outsider} was never an admitted participant: the index knows no plant there"),
        (["--plant", "0xplant", "--from", "2027-03-01", "--to", "2027-03-31", "--out", out],
         "'0xplant' is not an Ethereum address"),
        (["--plant", plant, "--from", "2027-03-01", "--to", "2027-03-31", "--out", ods],
         "Write the report to a .csv or .xlsx file, not intake.ods"),
    ):  # fmt: skip
        assert run(cli, ["report", "intake", *arguments, *common]) == 1
        captured = capsys.readouterr()
        assert (captured.out, captured.err) == ("", f"Error: {error}\n")
    assert not (tmp_path / "intake.csv").exists()
