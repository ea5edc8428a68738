"""A government register import: a register snapshot (a REINFO-like CSV export) turned into the mine status
and permit changes it calls for, applied in one `multicall` together with the snapshot's hash and date.

The library does the work (`read_register`, `plan_import`, `apply_import`); the CLI only renders the
`RegisterDiff`. Rows are matched to mines by the register code of the mines' verified records
(`MineRecord.register_code`); a mine without a verified record is never touched.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from filon._errors import InvalidInput
from filon._records import search_text
from filon._types import Mine, MineId, MineStatus
from filon.passport._canonical import canonical_json

__all__ = [
    "COLUMNS",
    "ChangeKind",
    "MineChange",
    "RegisterDiff",
    "RegisterRow",
    "RegisterStatus",
    "RowError",
    "plan_import",
    "read_register",
]

COLUMNS = (
    "register_code",
    "holder_name",
    "national_id",
    "status",
    "region",
    "district",
    "permit_number",
    "expiry",
)
"""The columns a register file has, named in its header row (in any order; other columns are ignored)."""

_REQUIRED = ("register_code", "status", "expiry")


class RegisterStatus(StrEnum):
    """What the register says of a miner, whatever its words."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXCLUDED = "excluded"


STATUS_WORDS = {
    "VIGENTE": RegisterStatus.ACTIVE,
    "ACTIVO": RegisterStatus.ACTIVE,
    "ACTIVE": RegisterStatus.ACTIVE,
    "SUSPENDIDO": RegisterStatus.SUSPENDED,
    "SUSPENDED": RegisterStatus.SUSPENDED,
    "EXCLUIDO": RegisterStatus.EXCLUDED,
    "EXCLUDED": RegisterStatus.EXCLUDED,
}
"""The register's status words (compared without accents or case) and what they mean."""


@dataclass(frozen=True)
class RegisterRow:
    """A valid row of the register.

    Attributes:
        row: Its row number in the file (the header is row 1).
        register_code: The miner's code in the register.
        status: What the register says of it.
        expiry: The Unix time its permit expires (the end of the expiry day, UTC).
        fields: The row's columns as read, for the permit hash.
    """

    row: int
    register_code: str
    status: RegisterStatus
    expiry: int
    fields: dict[str, str]

    @property
    def permit_hash(self) -> bytes:
        """The SHA-256 of the row's canonical JSON: the permit evidence a permit update publishes."""
        return hashlib.sha256(canonical_json(self.fields)).digest()


@dataclass(frozen=True)
class RowError:
    """A row that cannot be used, and why; nothing is applied from it."""

    row: int
    message: str


class ChangeKind(StrEnum):
    """What an import does to a mine."""

    SUSPEND = "suspend"
    REACTIVATE = "reactivate"
    REVOKE = "revoke"
    EXPIRED = "expired"
    PERMIT = "permit"


_STATUS_CALLS = {
    ChangeKind.SUSPEND: "suspendMine",
    ChangeKind.EXPIRED: "suspendMine",
    ChangeKind.REACTIVATE: "reactivateMine",
    ChangeKind.REVOKE: "revokeMine",
}


@dataclass(frozen=True)
class MineChange:
    """One change an import applies to a mine.

    Attributes:
        kind: The change.
        mine_id: The mine.
        register_code: The register code that matched it.
        row: The register row that calls for it.
        permit_expiry: The new permit expiry (PERMIT only).
        permit_hash: The new permit hash (PERMIT only).
    """

    kind: ChangeKind
    mine_id: MineId
    register_code: str
    row: int
    permit_expiry: int | None = None
    permit_hash: bytes | None = None

    def call(self) -> tuple[str, tuple[Any, ...]]:
        """The contract call that applies the change, for `Client.multicall`."""
        if self.kind is ChangeKind.PERMIT:
            return "updatePermit", (self.mine_id, self.permit_hash, self.permit_expiry)
        return _STATUS_CALLS[self.kind], (self.mine_id,)


@dataclass(frozen=True)
class RegisterDiff:
    """What importing a register file would change.

    Attributes:
        snapshot_hash: The SHA-256 of the file's bytes, recorded on chain with the changes.
        snapshot_date: The Unix time the register speaks for.
        changes: The changes, in the order they are applied.
        unknown_codes: Register codes no mine's verified record carries, with their rows.
        errors: The rows that cannot be used.
        rows: How many rows the file has (valid or not).
    """

    snapshot_hash: bytes
    snapshot_date: int
    changes: tuple[MineChange, ...]
    unknown_codes: tuple[tuple[int, str], ...]
    errors: tuple[RowError, ...]
    rows: int

    @property
    def calls(self) -> list[tuple[str, tuple[Any, ...]]]:
        """The `multicall` that applies the diff: the snapshot first, then every change."""
        snapshot = ("recordRegisterSnapshot", (self.snapshot_hash, self.snapshot_date))
        return [snapshot, *(change.call() for change in self.changes)]


def _expiry(text: str) -> int:
    try:
        day = datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expiry {text!r} is not a date YYYY-MM-DD") from None
    end = datetime.datetime.combine(day, datetime.time.max, tzinfo=datetime.UTC)
    return int(end.timestamp())


def _row(number: int, record: dict[str, str | None]) -> RegisterRow:
    fields = {column: (record.get(column) or "").strip() for column in COLUMNS}
    for column in _REQUIRED:
        if not fields[column]:
            raise ValueError(f"{column} is empty")
    word = search_text(fields["status"]).upper()
    status = STATUS_WORDS.get(word)
    if status is None:
        known = ", ".join(sorted(STATUS_WORDS))
        raise ValueError(f"status {fields['status']!r} is not one of {known}")
    return RegisterRow(number, fields["register_code"], status, _expiry(fields["expiry"]), fields)


def read_register(
    data: bytes, progress: Callable[[int], None] | None = None
) -> tuple[list[RegisterRow], list[RowError]]:
    """The rows of a register file (UTF-8 CSV, comma-separated, a header row naming `COLUMNS`).

    Args:
        data: The file's bytes.
        progress: Called with the number of rows read so far, every 500 rows and at the end.

    Returns:
        The valid rows and the errors of the others, by row number (the header is row 1).

    Raises:
        InvalidInput: The file is not UTF-8 text, or its header lacks a required column.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"The register file is not UTF-8 text: {error}") from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [column for column in _REQUIRED if column not in header]
    if missing:
        raise InvalidInput(f"The register file's header lacks the column(s) {', '.join(missing)}")
    reader.fieldnames = header
    rows: list[RegisterRow] = []
    errors: list[RowError] = []
    count = 0
    for count, record in enumerate(reader, start=1):
        number = reader.line_num
        try:
            rows.append(_row(number, record))
        except ValueError as error:
            errors.append(RowError(number, str(error)))
        if progress is not None and count % 500 == 0:
            progress(count)
    if progress is not None:
        progress(count)
    # A code on several rows is a contradiction the file must settle (active on one, suspended on another?):
    # none of its rows is applied, rather than whichever comes first.
    on_rows: dict[str, list[int]] = {}
    for row in rows:
        on_rows.setdefault(row.register_code, []).append(row.row)
    for row in rows:
        numbers = on_rows[row.register_code]
        if len(numbers) > 1:
            listed = ", ".join(str(n) for n in numbers)
            errors.append(
                RowError(row.row, f"register code {row.register_code} is on rows {listed}: none is applied")
            )
    rows = [row for row in rows if len(on_rows[row.register_code]) == 1]
    return rows, sorted(errors, key=lambda error: error.row)


def _changes(row: RegisterRow, mine: Mine, now: int, revoke_excluded: bool) -> list[MineChange]:
    if mine.status is MineStatus.REVOKED:
        return []
    code, changes = row.register_code, []
    expired = row.expiry <= now
    if not expired and row.expiry != mine.permit_expiry:
        changes.append(MineChange(ChangeKind.PERMIT, mine.id, code, row.row, row.expiry, row.permit_hash))
    active = mine.status is MineStatus.ACTIVE
    if row.status is RegisterStatus.EXCLUDED and revoke_excluded:
        changes.append(MineChange(ChangeKind.REVOKE, mine.id, code, row.row))
    elif row.status is not RegisterStatus.ACTIVE and active:
        changes.append(MineChange(ChangeKind.SUSPEND, mine.id, code, row.row))
    elif row.status is RegisterStatus.ACTIVE and expired and active:
        changes.append(MineChange(ChangeKind.EXPIRED, mine.id, code, row.row))
    elif row.status is RegisterStatus.ACTIVE and not expired and not active:
        changes.append(MineChange(ChangeKind.REACTIVATE, mine.id, code, row.row))
    return changes


def plan_import(
    data: bytes,
    snapshot_date: int,
    mines: Iterable[Mine],
    now: int,
    *,
    revoke_excluded: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RegisterDiff:
    """What importing register file `data` would change, given the mines as they are now.

    A register row calls for: a permit update when its expiry is in the future and differs from the mine's
    (the new permit hash is the row's `permit_hash`); a suspension when it says suspended or excluded, or
    when its permit expired (`EXPIRED`: the chain cannot record an expiry in the past); a reactivation
    when it says active with a future expiry and the mine is suspended; a revocation only for an excluded
    row and only with `revoke_excluded` (revocation is final). A revoked mine is left alone.

    Args:
        data: The register file's bytes (see `read_register`).
        snapshot_date: The Unix time the register speaks for.
        mines: The registered mines, with their records (`Client.mine`); those without a verified record
            carrying a register code are not matched.
        now: The chain's time, for expiries.
        revoke_excluded: Revoke the mines the register excludes, instead of suspending them.
        progress: See `read_register`.

    Raises:
        InvalidInput: The file cannot be read (see `read_register`), or a register code is carried by
            the records of two mines.
    """
    rows, errors = read_register(data, progress)
    by_code: dict[str, Mine] = {}
    for mine in mines:
        code = mine.record.register_code if mine.record is not None else None
        if code is None:
            continue
        if code in by_code:
            raise InvalidInput(f"Mines {by_code[code].id} and {mine.id} both carry register code {code}")
        by_code[code] = mine
    changes: list[MineChange] = []
    unknown: list[tuple[int, str]] = []
    for row in rows:
        matched = by_code.get(row.register_code)
        if matched is None:
            unknown.append((row.row, row.register_code))
        else:
            changes.extend(_changes(row, matched, now, revoke_excluded))
    return RegisterDiff(
        snapshot_hash=hashlib.sha256(data).digest(),
        snapshot_date=snapshot_date,
        changes=tuple(changes),
        unknown_codes=tuple(unknown),
        errors=tuple(errors),
        rows=len(rows) + len(errors),
    )


def summary(changes: Sequence[MineChange]) -> dict[str, int]:
    """How many changes of each kind, by the kind's name (kinds with none left out)."""
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.kind.value] = counts.get(change.kind.value, 0) + 1
    return counts
