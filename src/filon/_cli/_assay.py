"""`filon lot assay`: a plant records what it weighed and assayed on receiving ore (`Client.record_assay`).

One lot from options, or many from a CSV file (`--csv`) with the columns `lot_id, sample_g_t, counter_g_t,
moisture_pct, lab` and, optionally, `counter_lab, umpire_g_t, umpire_lab, wet_mass_kg, date`. Every row is
parsed as the options are; a bad row is reported by its number (the header is row 1, as in a spreadsheet)
and nothing is sent for it; a row the library or the contract refuses is reported the same way. The others
are recorded one by one, each a passport version of its lot.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from filon._assays import LabAssay
from filon._cli._common import (
    MAX_DOCUMENT_BYTES,
    emit,
    fail,
    json_option,
    open_client,
    print_json,
    read_file,
    signed,
    store_option,
)
from filon._cli._render import printable
from filon._cli._types import KILOGRAMS, LOT_ID, Bounded, bounded_number, iso_date, milligrams, whole_number
from filon._client import Client
from filon._errors import FilonError
from filon._types import LotId

GRADE = Bounded(0, 1_000_000, "g/t")
MOISTURE = Bounded(0, 100, "percent")
REQUIRED_COLUMNS = ("lot_id", "sample_g_t", "counter_g_t", "moisture_pct", "lab")
OPTIONAL_COLUMNS = ("counter_lab", "umpire_g_t", "umpire_lab", "wet_mass_kg", "date")
MAX_CSV_BYTES = 16 * 1024 * 1024
FILE = click.Path(dir_okay=False, path_type=Path)

KG = 1_000_000
T = TypeVar("T")


@dataclass(frozen=True)
class _Assayed:
    """One lot's receipt, parsed: what `Client.record_assay` takes."""

    lot_id: int
    sample: LabAssay
    counter_sample: LabAssay
    moisture_pct: float
    wet_mass_mg: int | None
    umpire: LabAssay | None
    received_on: datetime.date | None


def _certificate(path: Path | None) -> tuple[str, bytes] | None:
    return None if path is None else (path.name, read_file(path, "certificate", limit=MAX_DOCUMENT_BYTES))


def _record(client: Client, row: _Assayed) -> dict[str, Any]:
    recorded = client.record_assay(
        LotId(row.lot_id),
        row.sample,
        row.counter_sample,
        moisture_pct=row.moisture_pct,
        wet_mass_mg=row.wet_mass_mg,
        umpire=row.umpire,
        received_on=row.received_on,
    )
    return {"lot_id": row.lot_id, "version": recorded.version, "uri": recorded.uri}


@click.command()
@click.argument("lot_id", type=LOT_ID, required=False)
@click.option("--sample-g-t", type=GRADE, help="The sample's head grade, g per dry tonne.")
@click.option("--counter-g-t", type=GRADE, help="The counter-sample's head grade, g per dry tonne.")
@click.option("--moisture-pct", type=MOISTURE, help="Moisture, percent of the wet mass.")
@click.option("--lab", help="The laboratory that assayed the sample.")
@click.option("--counter-lab", help="The laboratory that assayed the counter-sample (default: --lab).")
@click.option("--umpire-g-t", type=GRADE, help="The umpire assay's grade, when one settled a dispute.")
@click.option("--umpire-lab", help="The umpire laboratory (with --umpire-g-t).")
@click.option("--wet-mass-kg", type=KILOGRAMS, help="The mass weighed (default: the lot's gross mass).")
@click.option("--date", "received_on", type=click.DateTime(["%Y-%m-%d"]), help="The day weighed (UTC).")
@click.option("--certificate", type=FILE, help="The sample's assay certificate.")
@click.option("--counter-certificate", type=FILE, help="The counter-sample's assay certificate.")
@click.option("--umpire-certificate", type=FILE, help="The umpire's assay certificate.")
@click.option("--csv", "csv_file", type=FILE, help="Many lots, one a row (columns above).")
@signed
@store_option
@json_option
def assay(
    lot_id: int | None,
    sample_g_t: float | None,
    counter_g_t: float | None,
    moisture_pct: float | None,
    lab: str | None,
    counter_lab: str | None,
    umpire_g_t: float | None,
    umpire_lab: str | None,
    wet_mass_kg: int | None,
    received_on: datetime.datetime | None,
    certificate: Path | None,
    counter_certificate: Path | None,
    umpire_certificate: Path | None,
    csv_file: Path | None,
    rpc: str | None,
    deployment: Path,
    account: str,
    store: str | None,
    as_json: bool,
) -> None:
    """Record LOT_ID's receipt at the plant (masses, moisture, sample and counter-sample assays) as its next
    passport version; or, with --csv FILE, one lot per row (columns lot_id, sample_g_t, counter_g_t,
    moisture_pct, lab; optional counter_lab, umpire_g_t, umpire_lab, wet_mass_kg, date)."""
    if csv_file is not None:
        if lot_id is not None:
            fail("Give LOT_ID or --csv, not both")
        _from_csv(csv_file, open_client(rpc, deployment, account, store=store), as_json=as_json)
        return
    if lot_id is None:
        fail("Give LOT_ID (or --csv FILE)")
    missing = [
        name
        for name, value in (
            ("--sample-g-t", sample_g_t),
            ("--counter-g-t", counter_g_t),
            ("--moisture-pct", moisture_pct),
            ("--lab", lab),
        )
        if value is None
    ]
    if missing:
        fail(f"Give {', '.join(missing)}")
    if (umpire_g_t is None) != (umpire_lab is None):
        fail("Give --umpire-g-t and --umpire-lab together")
    assert sample_g_t is not None and counter_g_t is not None and moisture_pct is not None and lab is not None
    row = _Assayed(
        lot_id=lot_id,
        sample=LabAssay(lab, sample_g_t, _certificate(certificate)),
        counter_sample=LabAssay(counter_lab or lab, counter_g_t, _certificate(counter_certificate)),
        moisture_pct=moisture_pct,
        wet_mass_mg=wet_mass_kg,
        umpire=None
        if umpire_g_t is None or umpire_lab is None
        else LabAssay(umpire_lab, umpire_g_t, _certificate(umpire_certificate)),
        received_on=received_on.date() if received_on is not None else None,
    )
    done = _record(open_client(rpc, deployment, account, store=store), row)
    emit(
        done,
        as_json=as_json,
        lines=[
            f"Lot {lot_id}: receipt and assays recorded as passport version {done['version']} ({done['uri']})"
        ],
    )


def _cell(record: dict[str, str], column: str, parse: Callable[[str], T]) -> T:
    try:
        return parse(record[column])
    except ValueError as exc:
        raise ValueError(f"{column}: {exc}") from None


def _text(record: dict[str, str], column: str) -> str | None:
    return (record.get(column) or "").strip() or None


def _parse(record: dict[str, str]) -> _Assayed:
    """One row, parsed as the options are.

    Raises:
        ValueError: A cell is missing or not what its column holds.
    """
    for column in REQUIRED_COLUMNS:
        if not (record.get(column) or "").strip():
            raise ValueError(f"{column} is empty")
    lab = _text(record, "lab") or ""

    def grade(text: str) -> float:
        return bounded_number(text, 0, 1_000_000, "g/t")

    umpire_text, umpire_lab = _text(record, "umpire_g_t"), _text(record, "umpire_lab")
    if (umpire_text is None) != (umpire_lab is None):
        raise ValueError("umpire_g_t and umpire_lab go together")
    wet = _text(record, "wet_mass_kg")
    day = _text(record, "date")
    return _Assayed(
        lot_id=_cell(record, "lot_id", lambda text: whole_number(text, minimum=1, maximum=2**256 - 1)),
        sample=LabAssay(lab, _cell(record, "sample_g_t", grade)),
        counter_sample=LabAssay(_text(record, "counter_lab") or lab, _cell(record, "counter_g_t", grade)),
        moisture_pct=_cell(record, "moisture_pct", lambda text: bounded_number(text, 0, 100, "percent")),
        wet_mass_mg=None
        if wet is None
        else _cell(record, "wet_mass_kg", lambda t: milligrams(t, 10**6, "kg")),
        umpire=None
        if umpire_text is None or umpire_lab is None
        else LabAssay(umpire_lab, _cell(record, "umpire_g_t", grade)),
        received_on=None if day is None else _cell(record, "date", iso_date),
    )


def _from_csv(path: Path, client: Client, *, as_json: bool) -> None:
    try:
        text = read_file(path, "CSV file", limit=MAX_CSV_BYTES).decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        fail(f"{path} lacks the columns {', '.join(missing)}")
    unknown = [column for column in header if column not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    if unknown:
        fail(f"{path} has unknown columns {', '.join(unknown)}")
    recorded: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    for number, record in enumerate(reader, start=2):  # the header is row 1, as in a spreadsheet
        try:
            if None in record:
                raise ValueError("more cells than columns")
            done = _record(client, _parse(record))
        except (ValueError, FilonError) as exc:
            rejected.append({"row": number, "error": printable(" ".join(str(exc).split()))})
            continue
        recorded.append({"row": number, **done})
    if as_json:
        print_json({"recorded": recorded, "rejected": rejected})
    else:
        for entry in recorded:
            click.echo(f"row {entry['row']}: lot {entry['lot_id']} passport version {entry['version']}")
        for entry in rejected:
            click.echo(f"row {entry['row']}: rejected, nothing sent: {entry['error']}", err=True)
        click.echo(f"{len(recorded)} recorded, {len(rejected)} rejected")
    if rejected:
        raise click.exceptions.Exit(1)
