"""`filon explorer serve`: the buyers' explorer (web pages and JSON API) over the index, on this machine."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import click

from filon._cli._common import confirmations_option, database_option, deployment_option, fail, rpc_option
from filon._cli._rules import RuleSetting, flag_rules
from filon._cli._types import MAX_SYNC_INTERVAL, PERCENT, Bounded
from filon._errors import InvalidInput
from filon._extras import MissingExtra, missing_package
from filon.passport import DocumentStore
from filon.passport._remote import DEFAULT_FOLDER, STORE_ENV, is_remote

DEFAULT_PORT = 8000
MAX_UPLOAD_WINDOW = 86_400.0
"""A day: a signed upload older than that is a replay, not a slow clock."""


@click.group()
def explorer() -> None:
    """The buyers' explorer: lot pages, provenance graphs, document checks, red flags."""
    if missing := missing_package("explorer"):  # before a subcommand imports it (--help works without)
        raise MissingExtra("filon explorer", "explorer", missing)


@explorer.command()
@rpc_option
@deployment_option
@database_option
@click.option(
    "--store",
    envvar=STORE_ENV,
    metavar="FOLDER",
    help=f"The folder of the document store it serves to the supply chain under /ipfs/ (or {STORE_ENV}; "
    "default .filon/store).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(min=1, max=65535))
@click.option(
    "--public-url",
    metavar="URL",
    help="The address buyers reach the explorer at, encoded in the lots' QR codes (default: as requested).",
)
@click.option(
    "--sync-interval",
    default=2.0,
    show_default=True,
    type=Bounded(0.1, MAX_SYNC_INTERVAL, "seconds"),
    help="Seconds between two syncs of the index with the chain (needs --rpc).",
)
@click.option(
    "--upload-window",
    default=300.0,
    show_default=True,
    type=Bounded(1.0, MAX_UPLOAD_WINDOW, "seconds"),
    help="How far, in seconds, a signed upload's time may be from this server's clock (needs --rpc).",
)
@confirmations_option
@click.option(
    "--max-loss",
    default=10.0,
    show_default=True,
    type=PERCENT,
    help="A transformation losing more than this % of its fine gold is flagged.",
)
@click.option(
    "--idle-days",
    default=30,
    show_default=True,
    type=click.IntRange(min=1),
    help="A live lot with no event for longer than this is flagged.",
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    type=RuleSetting(),
    metavar="NAME=VALUE",
    help='Any red flag\'s threshold by its name (docs/explorer.md, "Red flags"), e.g. --rule '
    "assay_tolerance=0.05 --rule recovery_band=0.8,1; repeatable, the last one wins.",
)
def serve(
    rpc: str | None,
    deployment: Path,
    database: str | None,
    store: str | None,
    host: str,
    port: int,
    public_url: str | None,
    sync_interval: float,
    upload_window: float,
    confirmations: int,
    max_loss: float,
    idle_days: int,
    rules: tuple[tuple[str, Any], ...],
) -> None:
    """Serve the explorer until Ctrl-C, keeping its index in step with the chain.

    Without --rpc it serves the index as it is (read-only) and refuses uploads. Pages work without
    JavaScript; the JSON API is under /api/ with its OpenAPI description at /openapi.json; the document store
    is under /ipfs/, where admitted participants and registrars upload (docs/store.md).
    """
    import uvicorn

    from filon.explorer import Uploaders, create_app
    from filon.index import open_index

    try:
        thresholds = flag_rules(max_loss, idle_days, rules)
    except InvalidInput as exc:
        fail(str(exc))
    folder = store if store is not None else str(DEFAULT_FOLDER)
    if is_remote(folder):
        fail(f"The explorer serves its own store, a folder: give --store FOLDER, not a URL ({STORE_ENV})")

    with socket.socket() as probe:  # say so now rather than after the first sync
        # As uvicorn binds: connections of a previous run still in TIME_WAIT do not hold the port (a
        # restart on the same port works at once), another listener does.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            fail(f"Cannot listen on {host}:{port}: {exc.strerror or exc} (choose another --port)")
    index = open_index(deployment, rpc_url=rpc, database_url=database, confirmations=confirmations)
    uploaders = None
    if rpc is not None:
        uploaders = Uploaders.connect(rpc, index.deployment)
        report = index.sync()
        click.echo(f"Index {index.url}: blocks up to {report.to_block} ({report.events} new events)")
    else:
        click.echo(f"Index {index.url} (read-only: no --rpc, so it is not synced)")
    app = create_app(
        index,
        DocumentStore(folder),
        rules=thresholds,
        public_url=public_url,
        sync_interval=sync_interval if rpc is not None else None,
        uploaders=uploaders,
        upload_window=upload_window,
    )
    click.echo(f"Explorer on http://{host}:{port}/ (Ctrl-C stops it)")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", ws="none")  # pages only: no websockets
    finally:
        index.close()
