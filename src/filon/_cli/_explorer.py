"""`filon explorer serve`: the buyers' explorer (web pages and JSON API) over the index, on this machine."""

from __future__ import annotations

import socket
from pathlib import Path

import click

from filon._cli._common import confirmations_option, database_option, deployment_option, fail, rpc_option
from filon._cli._types import MAX_SYNC_INTERVAL, PERCENT, Bounded
from filon._extras import MissingExtra, missing_package
from filon._passports import DEFAULT_STORE_ENV, default_store
from filon.passport import DocumentStore

DEFAULT_PORT = 8000


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
    envvar=DEFAULT_STORE_ENV,
    type=click.Path(file_okay=False, path_type=Path),
    help=f"The document store holding the passports and their documents (or {DEFAULT_STORE_ENV}; "
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
def serve(
    rpc: str | None,
    deployment: Path,
    database: str | None,
    store: Path | None,
    host: str,
    port: int,
    public_url: str | None,
    sync_interval: float,
    confirmations: int,
    max_loss: float,
    idle_days: int,
) -> None:
    """Serve the explorer until Ctrl-C, keeping its index in step with the chain.

    Without --rpc it serves the index as it is (read-only). Pages work without JavaScript; the JSON API is
    under /api/ with its OpenAPI description at /openapi.json.
    """
    import uvicorn

    from filon.explorer import create_app
    from filon.index import FlagRules, open_index

    with socket.socket() as probe:  # say so now rather than after the first sync
        try:
            probe.bind((host, port))
        except OSError as exc:
            fail(f"Cannot listen on {host}:{port}: {exc.strerror or exc} (choose another --port)")
    index = open_index(deployment, rpc_url=rpc, database_url=database, confirmations=confirmations)
    if rpc is not None:
        report = index.sync()
        click.echo(f"Index {index.url}: blocks up to {report.to_block} ({report.events} new events)")
    else:
        click.echo(f"Index {index.url} (read-only: no --rpc, so it is not synced)")
    rules = FlagRules(loss_band=(0.0, max_loss / 100), idle_days=idle_days)
    app = create_app(
        index,
        DocumentStore(store) if store is not None else default_store(),
        rules=rules,
        public_url=public_url,
        sync_interval=sync_interval if rpc is not None else None,
    )
    click.echo(f"Explorer on http://{host}:{port}/ (Ctrl-C stops it)")
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", ws="none")  # pages only: no websockets
    finally:
        index.close()
