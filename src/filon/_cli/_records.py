"""Who is who on the command line: `filon participant show|publish-record`, `filon mine publish-record`
and `filon registry import` (the government register)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from pydantic import ValidationError

from filon._cli._admin import mine, participant
from filon._cli._common import connected, console, emit, fail, json_option, open_client, print_json, signed
from filon._cli._render import RECORD_WORDS, jsonable, record_table
from filon._cli._types import ADDRESS, MINE_ID
from filon._records import MineRecord, Participant, ParticipantRecord
from filon._register import RegisterDiff, summary
from filon._types import MineId

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

RecordT = TypeVar("RecordT", ParticipantRecord, MineRecord)

record_file_option = click.option(
    "--file",
    "record_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JSON file with the record's fields (instead of the options).",
)


def participant_json(found: Participant) -> dict[str, Any]:
    """A participant as a JSON object: address, role, record (null unless verified), its hash and state."""
    return {
        "address": found.address,
        "role": jsonable(found.role) if found.role is not None else None,
        "record": jsonable(found.record) if found.record is not None else None,
        "record_hash": jsonable(found.record_hash) if found.record_hash is not None else None,
        "record_state": found.record_state.value,
        "verified": found.verified,
    }


def _record(model: type[RecordT], record_file: Path | None, fields: dict[str, Any]) -> RecordT:
    given = {name: value for name, value in fields.items() if value is not None}
    if record_file is not None and given:
        fail("Give the record's fields either as options or in --file, not both")
    try:
        data = json.loads(record_file.read_text(encoding="utf-8")) if record_file is not None else given
    except (OSError, ValueError) as error:
        fail(f"{record_file} is not a JSON file: {error}")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'record'}: {item['msg']}"
            for item in error.errors()
        )
        fail(f"Invalid {model.__name__}: {problems}")


@participant.command("show")
@click.argument("address", type=ADDRESS)
@connected
@json_option
def participant_show(address: str, rpc: str | None, deployment: Path, as_json: bool) -> None:
    """Show ADDRESS: its role and the record the registrar published for it, checked against its hash."""
    found = open_client(rpc, deployment).participant(address)
    if as_json:
        print_json(participant_json(found))
        return
    rows = [("role", found.role.name.lower() if found.role else "not admitted")]
    if found.record is not None:
        rows += [(name, str(value)) for name, value in jsonable(found.record).items()]
    rows.append(("record", RECORD_WORDS[found.record_state]))
    console().print(record_table(found.name or found.address, [("address", found.address), *rows]))


@participant.command("publish-record")
@click.argument("address", type=ADDRESS)
@click.option("--name", help="The legal name.")
@click.option("--country", help="ISO 3166-1 alpha-2 country of registration, e.g. PE.")
@click.option("--national-id", help="The tax or company number (in Peru the RUC).")
@click.option("--website", help="Its website (http or https URL).")
@click.option("--contact", help="An e-mail address or phone number.")
@record_file_option
@signed
@json_option
def participant_publish_record(
    address: str,
    record_file: Path | None,
    rpc: str | None,
    deployment: Path,
    account: str,
    as_json: bool,
    **fields: str | None,
) -> None:
    """Publish ADDRESS's record: store it and vouch for its hash on chain (registrar only)."""
    record = _record(ParticipantRecord, record_file, fields)
    client = open_client(rpc, deployment, account)
    tx = client.publish_participant_record(address, record)
    emit(
        {"address": address, "record": jsonable(record), "transaction": tx},
        as_json=as_json,
        lines=[f"Record of {address} published: {record.name} ({tx})"],
    )


@mine.command("publish-record")
@click.argument("mine_id", type=MINE_ID)
@click.option("--name", help="The mine's name.")
@click.option("--region", help="Its region (in Peru the department), e.g. Puno.")
@click.option("--district", help="Its district.")
@click.option("--permit-number", help="The number of its mining permit.")
@click.option("--register-code", help="Its code in the government register (REINFO), for register imports.")
@click.option("--latitude", type=float, help="Latitude in degrees (may be rounded).")
@click.option("--longitude", type=float, help="Longitude in degrees (may be rounded).")
@click.option("--method", help="How it mines, e.g. alluvial.")
@record_file_option
@signed
@json_option
def mine_publish_record(
    mine_id: int,
    record_file: Path | None,
    rpc: str | None,
    deployment: Path,
    account: str,
    as_json: bool,
    **fields: Any,
) -> None:
    """Publish MINE_ID's record: store it and set its hash as the mine's passport hash (registrar only)."""
    record = _record(MineRecord, record_file, fields)
    client = open_client(rpc, deployment, account)
    tx = client.publish_mine_record(MineId(mine_id), record)
    emit(
        {"mine_id": mine_id, "record": jsonable(record), "transaction": tx},
        as_json=as_json,
        lines=[f"Record of mine {mine_id} published: {record.name}, {record.region} ({tx})"],
    )


@click.group()
def registry() -> None:
    """The government register of mines (registrar only)."""


def _diff_json(diff: RegisterDiff) -> dict[str, Any]:
    return {
        "snapshot_hash": jsonable(diff.snapshot_hash),
        "snapshot_date": diff.snapshot_date,
        "rows": diff.rows,
        "changes": [jsonable(change) for change in diff.changes],
        "unknown_codes": [{"row": row, "register_code": code} for row, code in diff.unknown_codes],
        "errors": [{"row": error.row, "message": error.message} for error in diff.errors],
    }


def _diff_lines(diff: RegisterDiff) -> list[str]:
    lines = [f"Register snapshot 0x{diff.snapshot_hash.hex()}: {diff.rows} rows"]
    for change in diff.changes:
        what = change.kind.value
        if change.permit_expiry is not None:
            day = datetime.datetime.fromtimestamp(change.permit_expiry, datetime.UTC).date()
            what = f"permit until {day.isoformat()}"
        lines.append(f"  row {change.row}: mine {change.mine_id} ({change.register_code}): {what}")
    lines += [f"  row {row}: unknown register code {code}" for row, code in diff.unknown_codes]
    lines += [f"  row {error.row}: error: {error.message}" for error in diff.errors]
    counts = ", ".join(f"{count} {kind}" for kind, count in summary(diff.changes).items())
    lines.append(f"Changes: {counts or 'none'}")
    return lines


@registry.command("import")
@click.argument("register", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--date",
    "day",
    type=click.DateTime(["%Y-%m-%d"]),
    help="The day the register speaks for (UTC; default today).",
)
@click.option(
    "--revoke-excluded",
    is_flag=True,
    help="Revoke (for good) the mines the register excludes, instead of suspending them.",
)
@click.option("--yes", is_flag=True, help="Apply without asking.")
@signed
@json_option
def registry_import(
    register: Path,
    day: datetime.datetime | None,
    revoke_excluded: bool,
    yes: bool,
    rpc: str | None,
    deployment: Path,
    account: str,
    as_json: bool,
) -> None:
    """Import REGISTER.csv: match its rows to mines by register code, show the diff, and apply it (the
    snapshot's hash and date, status and permit changes) in one transaction. A rerun changes nothing."""
    data = register.read_bytes()
    when = (day or datetime.datetime.now(datetime.UTC)).date()
    date = int(datetime.datetime.combine(when, datetime.time(), datetime.UTC).timestamp())
    client = open_client(rpc, deployment, account)
    if as_json:  # scripts read stdout and stderr: no progress bar
        diff = client.plan_register_import(data, date, revoke_excluded=revoke_excluded)
    else:
        bar: ProgressBar[int]
        with click.progressbar(
            length=max(data.count(b"\n") - 1, 1),
            label="Reading the register",
            file=click.get_text_stream("stderr"),
        ) as bar:
            diff = client.plan_register_import(
                data, date, revoke_excluded=revoke_excluded, progress=lambda done: bar.update(done - bar.pos)
            )
    report = _diff_json(diff)
    if not as_json:
        for line in _diff_lines(diff):
            click.echo(line)
    if not diff.changes:
        report["transaction"] = None
        if diff.rows and len(diff.errors) == diff.rows:
            # a file none of whose rows could be used agrees with nothing: say so, and fail
            if as_json:
                emit(report, as_json=True, lines=[])
            fail(f"None of the register's {diff.rows} rows could be used: nothing to apply")
        emit(
            report, as_json=as_json, lines=["Nothing to apply: the chain already agrees with this register."]
        )
        return
    if not yes:
        click.confirm(f"Apply {len(diff.changes)} changes in one transaction?", abort=True, err=True)
    report["transaction"] = tx = client.apply_register_import(diff)
    emit(report, as_json=as_json, lines=[f"Applied in one transaction ({tx})"])
