"""`filon index sync` and `filon index status`: the deployment's events in SQLite or PostgreSQL.

The index comes with the `index` extra: its commands import it when they run, so that every other command
works without it; without it they say in one line which extra to install.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from filon._chain import Chain
from filon._cli._common import (
    confirmations_option,
    console,
    database_option,
    deployment_option,
    emit,
    fail,
    json_option,
    need_rpc,
    print_json,
    rpc_option,
)
from filon._cli._types import MAX_SYNC_INTERVAL, Bounded
from filon._deployment import Deployment
from filon._errors import FilonError
from filon._extras import MissingExtra, missing_package

if TYPE_CHECKING:
    from filon.index import Index, SyncReport


@click.group()
def index() -> None:
    """Follow the deployment's events into SQL, for lookups in one query (the explorer reads it)."""
    if missing := missing_package("index"):  # before a subcommand imports it (--help works without)
        raise MissingExtra("filon index", "index", missing)


def _database(deployment: Deployment, database: str | None) -> str:
    from filon.index import default_database_url

    return database or default_database_url(deployment)


def _sync_json(index_: Index, report: SyncReport) -> dict[str, Any]:
    return {
        "database": index_.url,
        "from_block": report.from_block,
        "to_block": report.to_block,
        "events": report.events,
        "rewound_to": report.rewound_to,
        "confirmations": index_.confirmations,
    }


def _sync_lines(report: SyncReport) -> list[str]:
    lines = []
    if report.rewound_to is not None:
        lines.append(f"A reorg replaced blocks after {report.rewound_to}: rewound to it and read again")
    if report.to_block >= report.from_block:
        lines.append(
            f"Indexed blocks {report.from_block:,}-{report.to_block:,}: {report.events:,} new events"
        )
    else:
        lines.append(f"Up to date at block {report.to_block:,}")
    return lines


@contextmanager
def _progress_bar(enabled: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress callback for `Index.sync`, drawing a bar on stderr when it is a terminal."""
    out = console(stderr=True)
    bar = Progress(
        TextColumn("Indexing blocks"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=out,
        transient=True,
        disable=not (enabled and out.is_terminal),
    )
    task: list[Any] = []
    first: list[int] = []

    def update(done: int, target: int) -> None:
        if not first:
            first.append(done)
            task.append(bar.add_task("sync", total=None))
        start = min(first[0], done)
        bar.update(task[0], completed=done - start + 1, total=max(target - start + 1, 1))

    with bar:
        yield update


def _sync_once(index_: Index, *, show_progress: bool) -> SyncReport:
    with _progress_bar(show_progress) as progress:
        return index_.sync(progress=progress)


@index.command()
@deployment_option
@rpc_option
@database_option
@confirmations_option
@click.option(
    "--blocks-per-step",
    default=2_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Blocks per eth_getLogs request and per database transaction.",
)
@click.option("--follow", is_flag=True, help="Keep syncing as blocks come, until Ctrl-C.")
@click.option(
    "--interval",
    default=2.0,
    show_default=True,
    type=Bounded(0.05, MAX_SYNC_INTERVAL, "seconds"),
    help="With --follow: seconds between two syncs.",
)
@json_option
def sync(
    deployment: Path,
    rpc: str | None,
    database: str | None,
    confirmations: int,
    blocks_per_step: int,
    follow: bool,
    interval: float,
    as_json: bool,
) -> None:
    """Bring the index up to the chain's head (less --confirmations), from where it stopped.

    Each step of blocks is one database transaction, so an interrupted sync loses nothing: the next one
    goes on from the last step it committed. A reorg (a stored block hash the chain no longer has) is
    rewound and read again. With --follow it goes on syncing every --interval seconds until Ctrl-C, one
    line (or, with --json, one JSON object) per sync that found something.
    """
    from filon.index import open_index

    url = need_rpc(rpc)
    manifest = Deployment.load(deployment)
    with open_index(
        manifest,
        rpc_url=url,
        database_url=_database(manifest, database),
        confirmations=confirmations,
        blocks_per_step=blocks_per_step,
    ) as index_:
        report = _sync_once(index_, show_progress=not as_json)
        emit(_sync_json(index_, report), as_json=as_json, lines=[f"Index {index_.url}", *_sync_lines(report)])
        if follow:
            _follow(index_, interval, as_json)


def _follow(index_: Index, interval: float, as_json: bool) -> None:
    """Syncs every `interval` seconds until Ctrl-C; a failing node is reported and retried, not fatal."""
    failing = False
    try:
        while True:
            time.sleep(interval)
            try:
                report = _sync_once(index_, show_progress=not as_json)
            except FilonError as exc:  # the node or the database is away: say so once, keep trying
                if not failing:
                    click.echo(f"Warning: {' '.join(str(exc).split())} (retrying)", err=True)
                failing = True
                continue
            if failing:
                click.echo("Sync working again", err=True)
                failing = False
            if report.to_block >= report.from_block or report.rewound_to is not None:
                emit(_sync_json(index_, report), as_json=as_json, lines=_sync_lines(report))
    except KeyboardInterrupt:
        if not as_json:
            click.echo(f"Stopped following at block {index_.last_block:,}")


@index.command()
@deployment_option
@rpc_option
@database_option
@json_option
def status(deployment: Path, rpc: str | None, database: str | None, as_json: bool) -> None:
    """Show where the index stands: its last block, its lots and mines, and (with --rpc) how far behind
    the chain's head it is."""
    from sqlalchemy.engine import make_url

    from filon.index import open_index

    manifest = Deployment.load(deployment)
    database_url = _database(manifest, database)
    parsed = make_url(database_url) if database_url.startswith("sqlite") else None
    if parsed is not None and parsed.database and not Path(parsed.database).exists():
        fail(f"No index at {parsed.database}: run `filon index sync` first")
    with open_index(manifest, rpc_url=rpc, database_url=database_url) as index_:
        last = index_.last_block
        data: dict[str, Any] = {
            "database": index_.url,
            "contract": manifest.address,
            "chain_id": manifest.chain_id,
            "deployment_block": manifest.deployment_block,
            "last_block": last,
            "lots": index_.lot_count(),
            "mines": len(index_.mines()),
        }
        lines = [
            f"Index {index_.url}",
            f"FilonLots {manifest.address} on chain {manifest.chain_id}",
            f"Last block indexed: {last:,} (deployment block {manifest.deployment_block:,})"
            if last >= manifest.deployment_block
            else f"Nothing indexed yet (deployment block {manifest.deployment_block:,})",
            f"Lots: {data['lots']:,}; mines: {data['mines']:,}",
        ]
        if rpc is not None:
            head = Chain(rpc).block_number()
            data["head"] = head
            data["behind"] = max(head - last, 0)
            behind = data["behind"]
            lines.append(
                f"Chain head: {head:,} ({behind:,} block{'' if behind == 1 else 's'} not indexed yet)"
            )
    if as_json:
        print_json(data)
    else:
        for line in lines:
            click.echo(line)
