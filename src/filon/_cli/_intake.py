"""`filon lot declare --from-csv`: a plant's ore-intake ledger, one passport and one lot per row.

Each row is checked on its own: its cells are parsed as the command's options are (`_types`), and its
numbers are checked by the library's rules (`filon._checks`) before anything is stored or sent. A bad row is
reported by its number (the header is row 1, as in a spreadsheet) and skipped. Good rows are declared in
batches (`Client.declare_lots_with_passports`: sent without waiting for each other's blocks), each row
standing alone: the contract refusing one rejects that row only. The external reference makes the import
idempotent: a row whose reference the account already declared is counted as already there, so a rerun, or
a rerun after an interruption (even one that cut a batch in two), declares nothing twice.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Context, Decimal, localcontext
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from filon import _checks as check
from filon._cli._common import MAX_DOCUMENT_BYTES, console, fail, print_json, read_bounded, validation_summary
from filon._cli._render import printable
from filon._cli._types import MAX_NUMBER_CHARS, iso_date, milligrams, positive_decimal, whole_number
from filon._client import Client
from filon._errors import (
    DuplicateExternalRef,
    FilonError,
    InvalidInput,
    InvalidMass,
    RpcError,
    TransactionError,
    UnknownMine,
)
from filon._publishing import PassportDeclaration
from filon._types import LotId, Mine, MineId
from filon.passport import Document, DocumentType, Facility, LotReference, Party, Passport, Quantity

REQUIRED_COLUMNS = ("gross_mass_kg", "date", "external_ref")
DEFAULT_BATCH = 50
"""Rows declared per batch: a batch costs about one block's wait, whatever its size."""
MAX_GROSS_MASS_KG = Decimal(1_000_000)
"""A thousand tonnes: no single intake lot is heavier; a bigger figure is a typing error."""
MAX_GRADE_G_PER_T = Decimal(100_000)
"""A tenth of the ore's mass: beyond any real ore grade (the richest bonanza ores are a few percent)."""
# A product of two numbers of at most MAX_NUMBER_CHARS digits, rounded down only past its units: its floor
# is exact (the default 28 digits could round 999.99...9 up to 1000).
_FLOOR = Context(prec=3 * MAX_NUMBER_CHARS, rounding=ROUND_FLOOR)

T = TypeVar("T")


class RowRejected(Exception):
    """The row cannot be declared; the message says why."""


@dataclass(frozen=True)
class Row:
    """One parsed, checked row, ready to declare."""

    number: int
    mine_id: MineId
    fine_gold_mg: int
    gross_mass_mg: int
    date: datetime.date
    external_ref: str
    documents: dict[str, bytes]


@dataclass
class Summary:
    """What an import did, row by row."""

    declared: list[dict[str, Any]]
    already: list[dict[str, Any]]
    rejected: list[dict[str, Any]]


@dataclass(frozen=True)
class Pending:
    """A row read, waiting for its batch: to declare (`lot`), or already settled (`lot_id` already there, or
    `reason` rejected), so that the batch reports its rows in their order."""

    number: int
    ref: str
    lot: PassportDeclaration | None = None
    lot_id: LotId | None = None
    reason: str | None = None


def import_csv(
    path: Path,
    client: Client,
    *,
    default_mine: int | None,
    producer_name: str | None,
    public_fields: Sequence[str] | None,
    as_json: bool,
    batch_size: int = DEFAULT_BATCH,
) -> int:
    """Declares every good row of the ledger at `path`, `batch_size` lots at a time; returns the exit status
    (1 if a row was rejected)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        fail(f"Cannot read {path}: {exc.strerror or exc}")
    # Undecodable bytes survive as lone surrogates, so that only the rows holding them are rejected. A
    # byte-order mark (spreadsheets write one in "CSV UTF-8") is not part of the first column's name.
    text = raw.decode("utf-8-sig", errors="surrogateescape")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames
    if header is None:
        fail(f"{path} is empty: expected a header row with {', '.join(REQUIRED_COLUMNS)}")
    header = [name.strip() for name in header]
    reader.fieldnames = header
    if any(_undecodable(name) for name in header):
        fail(f"{path} is not a UTF-8 CSV file: its header holds bytes that are not UTF-8")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if "grade_g_per_t" not in header and "fine_gold_g" not in header:
        missing.append("grade_g_per_t or fine_gold_g")
    if "mine_id" not in header and default_mine is None:
        missing.append("mine_id (or give --mine)")
    if missing:
        fail(f"{path} is not an ore-intake ledger: no column {', '.join(missing)}")
    account = client.address
    assert account is not None, "import_csv needs a client with an account"
    try:
        rows = list(reader)
    except csv.Error as exc:
        fail(f"{path} is not a valid CSV file (row {reader.line_num}): {exc}")
    ledger = Ledger(client, account, path.parent, len(header), default_mine, producer_name, public_fields)
    summary = Summary([], [], [])
    batch: list[Pending] = []
    with _progress(len(rows)) as advance:

        def send() -> None:
            _send(client, batch, summary, advance)
            batch.clear()

        for number, record in enumerate(rows, start=2):
            ref = (record.get("external_ref") or "").strip()
            if _undecodable(ref):
                ref = ref.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            try:
                pending = ledger.read(number, ref, record)
            except RowRejected as rejected:
                pending = Pending(number, ref, reason=str(rejected))
            except (RpcError, TransactionError) as stopped:  # the node, not the row: stop, say how far it got
                send()
                fail(_stopped(number, ref, stopped, summary))
            if pending.lot is not None and any(
                waiting.ref == ref for waiting in batch if waiting.lot is not None
            ):
                send()  # the same reference twice: the second row finds the first declared, as one by one
            batch.append(pending)
            if sum(1 for waiting in batch if waiting.lot is not None) >= batch_size:
                send()
        send()
    _report(path, summary, as_json=as_json)
    return 1 if summary.rejected else 0


@dataclass
class Ledger:
    """Reads the rows of one ledger for one account: its folder holds the documents the rows name."""

    client: Client
    account: str
    folder: Path
    columns: int
    default_mine: int | None
    producer_name: str | None
    public_fields: Sequence[str] | None
    mines: dict[int, Mine] = field(default_factory=dict)

    def read(self, number: int, ref: str, record: dict[Any, Any]) -> Pending:
        """Row `number` (as `csv.DictReader` gives it: a None key holds extra cells), checked and turned into
        its lot and passport, or found already declared.

        Raises:
            RowRejected: The row cannot be declared.
        """
        if None in record or any(value is None for value in record.values()):
            raise RowRejected(f"has {_cells(record)} cells, the header {self.columns}")
        if any(_undecodable(value) for value in record.values()):
            raise RowRejected("holds bytes that are not UTF-8")
        if not ref:
            raise RowRejected("external_ref is missing")
        if printable(ref) != ref:
            raise RowRejected(f"external_ref holds control characters: {printable(ref)}")
        existing = self.client.lot_by_external_ref(self.account, ref)
        if existing is not None:
            return Pending(number, ref, lot_id=existing)
        row = _parse(number, record, self.folder, self.default_mine)
        mine = _mine(self.client, self.mines, row.mine_id)
        passport = _passport(row, mine, self.account, self.producer_name or self.account, self.client)
        lot = PassportDeclaration(row.mine_id, passport, row.documents, row.external_ref, self.public_fields)
        return Pending(number, ref, lot=lot)


def _send(client: Client, batch: Sequence[Pending], summary: Summary, advance: Callable[[], None]) -> None:
    """Declares the batch's lots and reports its rows in order; stops the import at the first row the node
    failed (what was declared before it is in the message, and a rerun resumes)."""
    lots = [pending.lot for pending in batch if pending.lot is not None]
    outcomes: list[LotId | FilonError]
    try:
        outcomes = client.declare_lots_with_passports(lots) if lots else []
    except (RpcError, TransactionError) as stopped:  # before anything was sent
        outcomes = [stopped] * len(lots)
    sent = iter(outcomes)
    for pending in batch:
        number, ref = pending.number, pending.ref
        outcome = next(sent) if pending.lot is not None else None
        if pending.reason is not None:
            summary.rejected.append({"row": number, "external_ref": ref, "reason": pending.reason})
            click.echo(printable(f"Row {number}: {pending.reason}"), err=True)
        elif pending.lot_id is not None:
            summary.already.append({"row": number, "external_ref": ref, "lot_id": int(pending.lot_id)})
        elif isinstance(outcome, DuplicateExternalRef):  # declared by a concurrent run since the check
            summary.already.append({"row": number, "external_ref": ref, "lot_id": int(outcome.lot_id)})
        elif isinstance(outcome, RpcError | TransactionError):  # the node, not the row
            fail(_stopped(number, ref, outcome, summary))
        elif isinstance(outcome, FilonError):  # the row breaks a rule (suspended mine, capacity...)
            reason = " ".join(str(outcome).split())
            summary.rejected.append({"row": number, "external_ref": ref, "reason": reason})
            click.echo(printable(f"Row {number}: {reason}"), err=True)
        elif outcome is not None:
            summary.declared.append({"row": number, "external_ref": ref, "lot_id": int(outcome)})
        advance()


def _stopped(number: int, ref: str, error: Exception, summary: Summary) -> str:
    """Why the import stopped at row `number`, and what it had declared: a rerun resumes from there (a row
    whose transaction was mined after all is then found by its external reference, not declared again)."""
    declared = ", ".join(f"{entry['external_ref']} (lot {entry['lot_id']})" for entry in summary.declared)
    return (
        f"Row {number} ({ref}): {str(error).rstrip('.')}. "
        f"{f'Declared before it: {declared}.' if declared else 'Nothing was declared before it.'} "
        "Run the same command again to resume."
    )


def _cells(record: dict[str | None, Any]) -> int:
    extra = record.get(None) or []
    return sum(1 for key, value in record.items() if key is not None and value is not None) + len(extra)


def _undecodable(text: object) -> bool:
    return isinstance(text, str) and any("\udc80" <= char <= "\udcff" for char in text)


def _cell(record: dict[str, str], column: str, parse: Callable[[str], T]) -> T:
    """The value of `column`, parsed, or the row's rejection saying what is wrong with it."""
    text = (record.get(column) or "").strip()
    if not text:
        raise RowRejected(f"{column} is missing")
    try:
        return parse(text)
    except ValueError as exc:
        raise RowRejected(f"{column}: {exc}") from None


def _parse(number: int, record: dict[str, str], folder: Path, default_mine: int | None) -> Row:
    if (record.get("mine_id") or "").strip():
        # Any size here: whether it is a mine id at all is the library's rule, checked below.
        mine_id = _cell(record, "mine_id", lambda text: whole_number(text, maximum=None))
    elif default_mine is not None:
        mine_id = default_mine
    else:
        raise RowRejected("mine_id is missing (or give --mine)")
    gross_kg = _cell(record, "gross_mass_kg", positive_decimal)
    if gross_kg > MAX_GROSS_MASS_KG:
        raise RowRejected(f"gross_mass_kg {gross_kg} is implausible (more than {MAX_GROSS_MASS_KG} kg)")
    gross_mg = _cell(record, "gross_mass_kg", lambda text: milligrams(text, 1_000_000, "kg"))
    fine_text = (record.get("fine_gold_g") or "").strip()
    grade_text = (record.get("grade_g_per_t") or "").strip()
    if fine_text and grade_text:
        raise RowRejected("give grade_g_per_t or fine_gold_g, not both")
    if fine_text:
        fine_mg = _cell(record, "fine_gold_g", lambda text: milligrams(text, 1000, "g"))
    elif grade_text:
        grade = _cell(record, "grade_g_per_t", positive_decimal)
        if grade > MAX_GRADE_G_PER_T:
            raise RowRejected(f"grade_g_per_t {grade} is implausible (more than {MAX_GRADE_G_PER_T} g/t)")
        # g/t times kg is mg; a fraction of a milligram is left out rather than claimed.
        with localcontext(_FLOOR):
            fine_mg = int((gross_kg * grade).to_integral_value())
        if fine_mg == 0:
            raise RowRejected(f"grade_g_per_t {grade} on {gross_kg} kg is less than a milligram of gold")
    else:
        raise RowRejected("grade_g_per_t or fine_gold_g is missing")
    try:
        check.declaration(mine_id, fine_mg, gross_mg)
    except UnknownMine:
        raise RowRejected(f"mine {mine_id} is not registered") from None
    except (InvalidInput, InvalidMass) as refused:
        raise RowRejected(" ".join(str(refused).split())) from None
    date = _cell(record, "date", iso_date)
    documents: dict[str, bytes] = {}
    for name in (record.get("documents") or "").split(";"):
        if not name.strip():
            continue
        document = _inside(folder, name.strip())
        try:
            documents[document.name] = read_bounded(document, MAX_DOCUMENT_BYTES)
        except OSError as exc:
            raise RowRejected(f"cannot read document {name.strip()}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise RowRejected(f"document {name.strip()} is too large: {exc}") from None
    return Row(
        number=number,
        mine_id=MineId(mine_id),
        fine_gold_mg=fine_mg,
        gross_mass_mg=gross_mg,
        date=date,
        external_ref=(record.get("external_ref") or "").strip(),
        documents=documents,
    )


def _inside(folder: Path, name: str) -> Path:
    """The document `name` of a ledger in `folder`, which must be a regular file inside that folder once links
    are resolved: a ledger names its own documents, never another file of the machine (a keystore, say),
    which would be copied into the shared store and cited in a public passport.

    Raises:
        RowRejected: The name leads outside the folder, or not to a regular file.
    """
    root = folder.resolve()
    path = (folder / name).resolve()
    if Path(name).is_absolute() or not path.is_relative_to(root):
        raise RowRejected(
            f"document {name} is outside the ledger's folder {folder} (only files beside it are read)"
        )
    if path.exists() and not path.is_file():
        raise RowRejected(f"document {name} is not a regular file")
    return path


def _mine(client: Client, mines: dict[int, Mine], mine_id: MineId) -> Mine:
    if mine_id not in mines:
        try:
            mines[mine_id] = client.mine(mine_id)
        except UnknownMine:
            raise RowRejected(f"mine {mine_id} is not registered") from None
    return mines[mine_id]


def _passport(row: Row, mine: Mine, account: str, producer: str, client: Client) -> Passport:
    try:
        return _build_passport(row, mine, account, producer, client)
    except ValidationError as exc:
        raise RowRejected(f"its passport would be invalid: {validation_summary(exc)}") from None


def _build_passport(row: Row, mine: Mine, account: str, producer: str, client: Client) -> Passport:
    return Passport(
        lot=LotReference(
            batch_id=row.external_ref,
            external_ref=row.external_ref,
            chain_id=client.deployment.chain_id,
            contract=client.deployment.address,
        ),
        producer=Party(address=account, name=producer),
        facility=Facility(mine_id=int(mine.id), name=f"Mine {mine.id}", country=mine.country),
        production_date=row.date,
        quantity=Quantity(
            gross_mass_mg=row.gross_mass_mg,
            fineness_ppt=float(Decimal(row.fine_gold_mg * 1000) / row.gross_mass_mg),
            fine_gold_mg=row.fine_gold_mg,
        ),
        conformity=[
            Document(
                type=DocumentType.OTHER,
                issuer=producer,
                date=row.date,
                sha256=hashlib.sha256(data).hexdigest(),
                name=name,
            )
            for name, data in row.documents.items()
        ],
    )


@contextmanager
def _progress(total: int) -> Iterator[Any]:
    if not sys.stderr.isatty():
        yield lambda: None
        return
    progress = Progress(
        TextColumn("Declaring"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console(stderr=True),
        transient=True,
    )
    with progress:
        task = progress.add_task("rows", total=total)
        yield lambda: progress.advance(task)


def _report(path: Path, summary: Summary, *, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "file": str(path),
                "declared": summary.declared,
                "already_declared": summary.already,
                "rejected": summary.rejected,
            }
        )
        return
    for entry in summary.declared:
        click.echo(f"Row {entry['row']}: lot {entry['lot_id']} declared ({printable(entry['external_ref'])})")
    click.echo(
        f"{len(summary.declared)} declared, {len(summary.already)} already there, "
        f"{len(summary.rejected)} rejected"
    )
