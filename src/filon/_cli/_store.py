"""`filon store sync` and `filon store verify`: the document store the supply chain shares, and local folders.

`sync` uploads to a shared store (an explorer's URL) every document of the local cache that it lacks: what an
interrupted or refused upload left pending. `verify` re-hashes a store's folder (a shared store's cache) and
lists the files whose bytes no longer match their CID.
"""

from __future__ import annotations

from pathlib import Path

import click

from filon._cli._common import account_option, deployment_option, emit, fail, json_option, load_account
from filon._deployment import Deployment
from filon.passport._remote import STORE_CACHE_ENV, STORE_ENV, RemoteStore, open_store
from filon.passport._store import DocumentStore


@click.group()
def store() -> None:
    """The document store: upload what a shared store lacks, check a folder's documents."""


@store.command()
@click.option(
    "--store",
    "url",
    envvar=STORE_ENV,
    required=True,
    metavar="URL",
    help=f"The shared store: the URL of the explorer serving it (or {STORE_ENV}).",
)
@click.option(
    "--cache",
    envvar=STORE_CACHE_ENV,
    type=click.Path(file_okay=False, path_type=Path),
    help=f"The local cache folder whose documents are uploaded (or {STORE_CACHE_ENV}; default .filon/store).",
)
@deployment_option
@account_option
@json_option
def sync(url: str, cache: Path | None, deployment: Path, account: str, as_json: bool) -> None:
    """Upload every cached document the shared store lacks (it is asked for each), signed with --account.

    Documents kept private (cited only by evidence a passport withholds) are not uploaded. Exit status 1 if
    the store refused one.
    """
    manifest = Deployment.load(deployment)
    signer = load_account(account)
    shared = open_store(url, cache=cache, account=signer, deployment=manifest)
    if not isinstance(shared, RemoteStore):
        fail(f"--store is the URL of a shared store (an explorer's), not a folder: {url}")
    report = shared.sync()
    lines = [
        f"Uploaded {len(report.uploaded)} documents to {shared.shown_url}; {report.present} were already "
        f"there, {report.private} are kept private in {shared.path}."
    ]
    lines += [f"Refused {cid}: {reason}" for cid, reason in report.failed.items()]
    emit(
        {
            "store": shared.shown_url,
            "cache": str(shared.path),
            "uploaded": report.uploaded,
            "present": report.present,
            "private": report.private,
            "failed": report.failed,
        },
        as_json=as_json,
        lines=lines,
    )
    click.get_current_context().exit(1 if report.failed else 0)


@store.command()
@click.option(
    "--store",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help=f"The store's folder (a shared store's cache); default {STORE_CACHE_ENV} when {STORE_ENV} is a "
    f"URL, else {STORE_ENV}, else .filon/store.",
)
@json_option
def verify(folder: Path | None, as_json: bool) -> None:
    """Re-hash every document of a store's folder and list those whose bytes no longer match their CID.

    Exit status 1 if any does.
    """
    local = DocumentStore(folder if folder is not None else open_store().path)
    where = local.path
    if not where.is_dir():
        fail(f"No document store folder at {where}")
    checked = sum(1 for _ in local.cids())
    corrupted = local.verify()
    lines = [f"{checked - len(corrupted)} of {checked} documents in {where} match their CID."]
    lines += [f"Corrupted {found.name}: {found.problem}" for found in corrupted]
    emit(
        {
            "store": str(where),
            "checked": checked,
            "corrupted": [{"cid": found.name, "problem": found.problem} for found in corrupted],
        },
        as_json=as_json,
        lines=lines,
    )
    click.get_current_context().exit(1 if corrupted else 0)
