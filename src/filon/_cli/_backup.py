"""`filon backup`: what a participant cannot fetch again, in one file encrypted with a passphrase.

The passphrase comes from `FILON_BACKUP_PASSPHRASE`, else from a hidden prompt (twice when creating); it is
never printed. The folders are those every other command uses: the document store (`FILON_STORE`, default
`.filon/store`) and the secret folder beside it (`salts`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from eth_utils.address import to_checksum_address

from filon._backup import create_backup, restore_backup
from filon._cli._common import emit, fail, json_option, keystore_path, store_option
from filon._deployment import Deployment
from filon._salts import default_salts_folder
from filon.passport import open_store

PASSPHRASE_ENV = "FILON_BACKUP_PASSPHRASE"
"""The environment variable holding the backup passphrase (else it is asked for, hidden)."""


@click.group()
def backup() -> None:
    """Back up, or restore, your passport salts and your document store (encrypted with a passphrase)."""


def _passphrase(*, twice: bool) -> str:
    given = os.environ.get(PASSPHRASE_ENV)
    if given is not None:
        return given
    entered: str = click.prompt("Backup passphrase", hide_input=True, confirmation_prompt=twice, err=True)
    return entered


def _address(account: str) -> str:
    """The address a keystore (a file or an Ape alias) states, read without decrypting it."""
    path = keystore_path(account)
    try:
        stated = json.loads(path.read_text()).get("address")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        fail(f"{path} is not a keystore file")
    if not isinstance(stated, str):
        fail(f"{path} does not state its address")
    try:
        return str(to_checksum_address("0x" + stated.lower().removeprefix("0x")))
    except ValueError:
        fail(f"{path} states no valid address")


@backup.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--deployment",
    envvar="FILON_DEPLOYMENT",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The deployment manifest, named in the backup's manifest (or FILON_DEPLOYMENT).",
)
@click.option(
    "--account",
    envvar="FILON_ACCOUNT",
    metavar="KEYSTORE|ALIAS",
    help="Your keystore or Ape alias (or FILON_ACCOUNT): its address is named in the backup's manifest. "
    "The keystore itself is not in the backup: keep it, and its password, apart.",
)
@store_option
@json_option
def create(
    file: Path, deployment: Path | None, account: str | None, store: str | None, as_json: bool
) -> None:
    """Write FILE, a new backup of your secret folder (passport salts) and your document store.

    The passphrase is FILON_BACKUP_PASSPHRASE, or asked for twice. FILE is never overwritten.
    """
    if file.exists():
        fail(f"{file} already exists: a backup is never overwritten, choose another file")
    manifest = Deployment.load(deployment) if deployment is not None else None
    address = _address(account) if account is not None else None
    folder = open_store(store).path  # a shared store's local cache holds what this party wrote
    secrets = default_salts_folder(folder)
    contents = create_backup(
        file,
        _passphrase(twice=True),
        secrets_folder=secrets,
        store_folder=folder,
        deployment=manifest,
        account=address,
    )
    emit(
        {
            "file": str(file),
            "secrets_folder": str(secrets),
            "store": str(folder),
            "secrets": len(contents.secrets),
            "documents": len(contents.documents),
        },
        as_json=as_json,
        lines=[
            f"Backed up {len(contents.secrets)} secret file(s) from {secrets} and {len(contents.documents)} "
            f"document(s) from {folder} into {file}",
            "Keep it, and its passphrase, away from this machine.",
        ],
    )


@backup.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@store_option
@json_option
def restore(file: Path, store: str | None, as_json: bool) -> None:
    """Restore FILE into your secret folder and document store: missing files are written, none replaced.

    The passphrase is FILON_BACKUP_PASSPHRASE, or asked for. A wrong passphrase, an altered file, or a file
    already there that differs from the backup's restores nothing.
    """
    folder = open_store(store).path
    secrets = default_salts_folder(folder)
    restored = restore_backup(file, _passphrase(twice=False), secrets_folder=secrets, store_folder=folder)
    emit(
        {
            "file": str(file),
            "secrets_folder": str(secrets),
            "store": str(folder),
            "written": len(restored.written),
            "unchanged": len(restored.unchanged),
            "created": restored.contents.created,
            "deployment": restored.contents.deployment,
            "account": restored.contents.account,
        },
        as_json=as_json,
        lines=[
            f"Restored {len(restored.written)} file(s) from {file} (made {restored.contents.created}) into "
            f"{secrets} and {folder}; {len(restored.unchanged)} were already there"
        ],
    )
