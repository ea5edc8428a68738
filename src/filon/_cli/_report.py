"""`filon report ...`: reports from the index, for a plant manager, a refiner's customer or an auditor.

The library builds each report (`filon.index._reports`, `filon.index._intake`); these commands only render
it, as a table or JSON, or as a CSV or XLSX file.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path
from typing import Any

import click

from filon._cli._common import (
    console,
    database_option,
    deployment_option,
    fail,
    json_option,
    print_json,
    store_option,
)
from filon._cli._render import grams
from filon._cli._types import LOT_ID
from filon._contributions import decimal_shares
from filon._deployment import Deployment
from filon._extras import MissingExtra, missing_package
from filon._types import LotId
from filon.passport._remote import open_store

FORMATS = (".csv", ".xlsx")
"""The intake report's file formats, by the file's extension."""


@click.group()
def report() -> None:
    """Reports from the index (sync it first with `filon index sync`)."""
    if missing := missing_package("index"):  # before a subcommand imports it (--help works without)
        raise MissingExtra("filon report", "index", missing)


@report.command()
@click.argument("lot_id", type=LOT_ID)
@deployment_option
@database_option
@json_option
def bar(lot_id: int, deployment: Path, database: str | None, as_json: bool) -> None:
    """List LOT_ID's producers: each mine's share of its fine gold, its status and its register code."""
    from rich.table import Table

    from filon.index import open_index
    from filon.index._reports import bar_report

    manifest = Deployment.load(deployment)
    with open_index(manifest, database_url=_existing_index(manifest, database)) as index_:
        found = bar_report(index_, LotId(lot_id))
    shares = decimal_shares([part.share for part in found.producers])
    rows: list[dict[str, Any]] = [
        {
            "mine_id": part.mine_id,
            "name": part.name,
            "register_code": part.register_code,
            "country": part.country,
            "status": part.status.name.lower(),
            "permit_expired": part.permit_expired,
            "fine_gold_mg": part.fine_gold_mg,
            "share": float(share),
        }
        for part, share in zip(found.producers, shares, strict=True)
    ]
    as_of = datetime.datetime.fromtimestamp(found.as_of, tz=datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if as_json:
        print_json(
            {
                "lot_id": lot_id,
                "fine_gold_mg": found.lot.fine_gold_mg,
                "as_of": found.as_of,
                "producers": rows,
            }
        )
        return
    table = Table(
        title=f"Lot {lot_id}: {grams(found.lot.fine_gold_mg)} of fine gold, producers as of {as_of}"
    )
    for column in ("Mine", "Name", "Register code", "Country", "Status", "Fine gold", "Share"):
        table.add_column(column, justify="right" if column in ("Fine gold", "Share") else "left")
    for row in rows:
        status = row["status"] + (", permit expired" if row["permit_expired"] else "")
        table.add_row(
            str(row["mine_id"]),
            row["name"] or "—",
            row["register_code"] or "—",
            row["country"],
            status,
            grams(row["fine_gold_mg"]),
            f"{100 * row['share']:.4f} %",
        )
    console().print(table)


def _existing_index(manifest: Deployment, database: str | None) -> str:
    """The index's URL, once sure an SQLite index exists (opening one would create an empty file)."""
    from filon.index import default_database_url

    database_url = database or default_database_url(manifest)
    if database_url.startswith("sqlite:///") and not Path(database_url.removeprefix("sqlite:///")).exists():
        fail(f"No index at {database_url.removeprefix('sqlite:///')}: run `filon index sync` first")
    return database_url


def _day(value: str, option: str) -> datetime.date:
    """The UTC day `value` names, YYYY-MM-DD (a date with a time or zone names no whole day)."""
    try:
        if len(value) == 10:
            return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    fail(f"{option} {value!r} is not a day YYYY-MM-DD")


@report.command()
@click.option("--plant", required=True, metavar="ADDRESS", help="The plant (the participant that received).")
@click.option("--from", "first_day", required=True, metavar="YYYY-MM-DD", help="The first day (UTC).")
@click.option("--to", "last_day", required=True, metavar="YYYY-MM-DD", help="The last day (UTC), included.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write: .csv or .xlsx (by its extension).",
)
@deployment_option
@database_option
@store_option
def intake(
    plant: str,
    first_day: str,
    last_day: str,
    out: Path,
    deployment: Path,
    database: str | None,
    store: str | None,
) -> None:
    """Write what the plant received from each mine over whole UTC days, --from to --to both included.

    One row per mine: mine_id, mine_name, lots, dry_mass_kg, fine_gold_mg, average_grade_g_t, capacity_mg,
    capacity_used_pct, flags. Dry mass and grade come from the lots' receipts in the document store; an
    unknown value is an empty cell.
    """
    from filon.index import open_index
    from filon.index._intake import COLUMNS, intake_report, intake_table

    since, until = _day(first_day, "--from"), _day(last_day, "--to")
    if out.suffix.lower() not in FORMATS:
        fail(f"Write the report to a .csv or .xlsx file, not {out.name}")
    manifest = Deployment.load(deployment)
    with open_index(manifest, database_url=_existing_index(manifest, database)) as index_:
        found = intake_report(index_, open_store(store), plant, since, until)
    rows = intake_table(found)
    if out.suffix.lower() == ".csv":
        with out.open("w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(
                {key: "" if value is None else value for key, value in row.items()} for row in rows
            )
    else:
        _write_xlsx(out, found.plant, since, until, rows)
    console().print(f"{len(rows)} mines, {sum(row['lots'] for row in rows)} lots: {out}")


def _write_xlsx(
    out: Path, plant: str, first_day: datetime.date, last_day: datetime.date, rows: list[dict[str, Any]]
) -> None:
    from openpyxl import Workbook

    from filon.index._intake import COLUMNS

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = f"Intake {first_day} to {last_day}"[:31]  # Excel's limit on a sheet's name
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[column] for column in COLUMNS])  # None: an empty cell
    book.properties.title = f"Intake of {plant}, {first_day} to {last_day} (UTC)"
    book.save(out)
