"""What every `filon` command shares: options, accounts, files, output, and turning errors into one line."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import ValidationError
from rich.console import Console

from filon._cli._render import printable
from filon._client import Client
from filon._connect import connect
from filon._deployment import Deployment
from filon._errors import FilonError
from filon.passport import Passport
from filon.passport._remote import STORE_CACHE_ENV, STORE_ENV

PASSWORD_ENV = "FILON_ACCOUNT_PASSWORD"
"""The environment variable holding the keystore password (else it is asked for, hidden)."""

APE_DATA_FOLDER_ENV = "APE_DATA_FOLDER"
"""Ape's data folder, whose `accounts/<alias>.json` are keystores (default `.filon/ape` here)."""

F = TypeVar("F", bound=Callable[..., Any])


class CliError(FilonError):
    """A command cannot run as asked (bad file, wrong password, ...): shown as one line."""


def run(command: click.Command, argv: list[str] | None) -> int:
    """Runs `command`, turning every error into one line on stderr and an exit status."""
    try:
        code = command.main(args=argv, prog_name="filon", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except FilonError as exc:
        click.echo(f"Error: {_one_line(str(exc))}", err=True)
        return 1
    except OSError as exc:  # e.g. the document store's folder is not writable
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"Error: {_one_line(exc.strerror or str(exc))}{where}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    # Without standalone mode click returns a `ctx.exit(code)` status instead of exiting.
    return code if isinstance(code, int) else 0


def _one_line(text: str) -> str:
    return printable(" ".join(text.split()))


def fail(message: str) -> NoReturn:
    """Stops the command with `message` as its one error line."""
    raise CliError(message)


# ----------------------------------------------------------------------------- options

rpc_option = click.option(
    "--rpc", envvar="FILON_RPC_URL", metavar="URL", help="The node's JSON-RPC URL (or FILON_RPC_URL)."
)
deployment_option = click.option(
    "--deployment",
    envvar="FILON_DEPLOYMENT",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The deployment manifest (or FILON_DEPLOYMENT).",
)
account_option = click.option(
    "--account",
    envvar="FILON_ACCOUNT",
    required=True,
    metavar="KEYSTORE|ALIAS",
    help="An encrypted keystore file or an Ape account alias (or FILON_ACCOUNT); "
    "password from FILON_ACCOUNT_PASSWORD or a prompt.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object, for scripts.")
database_option = click.option(
    "--database",
    envvar="FILON_DATABASE_URL",
    metavar="URL",
    help="The index database: sqlite:///path or postgresql://... (or FILON_DATABASE_URL; "
    "default: an SQLite file under .filon/index).",
)
store_option = click.option(
    "--store",
    envvar=STORE_ENV,
    metavar="FOLDER|URL",
    help=f"The document store: a folder, or the URL of the explorer whose store the supply chain shares "
    f"(or {STORE_ENV}; default .filon/store). A shared store is cached in {STORE_CACHE_ENV} "
    "(default .filon/store).",
)
confirmations_option = click.option(
    "--confirmations",
    default=0,
    show_default=True,
    type=click.IntRange(min=0),
    help="Blocks the index stays behind the chain's head (a deeper reorg is still rewound).",
)


def connected(func: F) -> F:
    """Adds --rpc and --deployment (a read-only command)."""
    return rpc_option(deployment_option(func))


def signed(func: F) -> F:
    """Adds --rpc, --deployment and --account (a command that sends transactions)."""
    return rpc_option(deployment_option(account_option(func)))


def need_rpc(rpc: str | None) -> str:
    """The RPC URL, or a clear error when neither --rpc nor FILON_RPC_URL gives one."""
    if not rpc:
        fail("Give --rpc (or FILON_RPC_URL): this command needs the chain")
    return rpc


def open_client(
    rpc: str | None, deployment: Path, account: str | None = None, *, store: str | None = None
) -> Client:
    """Connects to the deployment, with the decrypted `account` (keystore or alias) if one is given.

    `store` is the document store (a folder or a shared store's URL); None takes `FILON_STORE`, else
    `.filon/store`. A shared store's uploads are signed with `account`.
    """
    url = need_rpc(rpc)
    manifest = Deployment.load(deployment)
    signer = load_account(account) if account is not None else None
    return connect(url, deployment=manifest, account=signer, store=store)


# ----------------------------------------------------------------------------- accounts


def ape_accounts_folder() -> Path:
    """Where Ape keeps account keystores: `$APE_DATA_FOLDER/accounts` (default `.filon/ape/accounts`)."""
    return Path(os.environ.get(APE_DATA_FOLDER_ENV) or Path(".filon") / "ape") / "accounts"


def keystore_path(account: str | Path) -> Path:
    """The keystore file `account` names: a path to one, else an Ape account alias.

    Raises:
        CliError: It is neither an existing file nor a known alias.
    """
    path = Path(account)
    if path.is_file():
        return path
    text = str(account)
    if text and os.sep not in text and "/" not in text and not text.endswith(".json"):
        aliased = ape_accounts_folder() / f"{text}.json"
        if aliased.is_file():
            return aliased
        fail(f"No keystore file at {text}, and no Ape account alias {text!r} in {ape_accounts_folder()}")
    fail(f"No keystore file at {path}")


def load_account(account: str | Path) -> LocalAccount:
    """Decrypts the keystore `account` names: an eth-account keystore file, or an Ape account alias.

    The password comes from the `FILON_ACCOUNT_PASSWORD` environment variable, else from a hidden prompt.
    The key is never printed: error messages name the file only.

    Raises:
        CliError: The file is missing or not a keystore, or the password is wrong.
    """
    path = keystore_path(account)
    try:
        keystore = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{path} is not an encrypted keystore file ({exc.__class__.__name__})")
    if not isinstance(keystore, dict) or "crypto" not in {k.lower() for k in keystore}:
        fail(f"{path} is not an encrypted keystore file (no 'crypto' section)")
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = click.prompt(f"Password for {path.name}", hide_input=True, err=True)
    try:
        key = Account.decrypt(keystore, password)
    except (ValueError, KeyError, TypeError):
        fail(f"Wrong password for the keystore {path}")
    signer: LocalAccount = Account.from_key(key)
    return signer


# ----------------------------------------------------------------------------- files and values


MAX_DOCUMENT_BYTES = 100 * 2**20
"""The largest document a passport may cite: a scanned permit or assay certificate is a few MiB; a file
beyond 100 MiB is the wrong file (a video, a disk image), and the store would keep a copy of it."""

MAX_PASSPORT_BYTES = 2**20
"""The largest passport file: a passport is a few KiB of JSON."""


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of `path`, at most `limit` of them.

    Raises:
        OSError: It cannot be read.
        ValueError: It holds more than `limit` bytes (checked before reading a regular file; a device or
            pipe is read only up to one byte over).
    """
    if path.is_file() and path.stat().st_size > limit:
        raise ValueError(f"{path.stat().st_size:,} bytes, more than the {limit // 2**20} MiB allowed")
    with path.open("rb") as source:
        data = source.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"more than the {limit // 2**20} MiB allowed")
    return data


def read_file(path: Path, what: str = "", *, limit: int | None = None) -> bytes:
    """The bytes of `path` (at most `limit`), or one clear line saying why they cannot be read."""
    try:
        return path.read_bytes() if limit is None else read_bounded(path, limit)
    except OSError as exc:
        fail(f"Cannot read {what + ' ' if what else ''}{path}: {exc.strerror or exc}")
    except ValueError as exc:
        fail(f"{(what or 'file').capitalize()} {path} is too large: {exc}")


def read_documents(paths: Sequence[Path]) -> dict[str, bytes]:
    """The documents to store with a passport, by file name."""
    documents: dict[str, bytes] = {}
    for path in paths:
        if path.name in documents:
            fail(f"Two documents are named {path.name}: give each document a distinct file name")
        documents[path.name] = read_file(path, "document", limit=MAX_DOCUMENT_BYTES)
    return documents


def validation_summary(exc: ValidationError) -> str:
    """A pydantic error as one short phrase: the first problem and where it is."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the document"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def load_passport(path: Path) -> Passport:
    """A passport from a JSON file, or one clear line saying what is wrong with it."""
    data = read_file(path, "passport", limit=MAX_PASSPORT_BYTES)
    try:
        return Passport.model_validate_json(data)
    except ValidationError as exc:
        fail(f"{path} is not a valid passport: {validation_summary(exc)}")


def write_new(path: Path, text: str) -> None:
    """Writes `text` to `path`, which must not exist yet (an output is never overwritten)."""
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        fail(f"{path} already exists: choose another --out")
    except OSError as exc:
        fail(f"Cannot write {path}: {exc.strerror or exc}")


# ----------------------------------------------------------------------------- output


def console(*, stderr: bool = False) -> Console:
    """A rich console on the current stdout (or stderr), resolved at print time.

    Without markup or emoji codes: what it prints holds strings from the chain and from passports, which
    anyone may choose ("[/x]" would make rich raise, "[link=...]" would disguise a value).
    """
    return Console(stderr=stderr, highlight=False, soft_wrap=False, markup=False, emoji=False)


def emit(data: dict[str, Any], *, as_json: bool, lines: list[str]) -> None:
    """Prints `data` as one JSON object (for scripts) or `lines` (for people) on stdout."""
    if as_json:
        click.echo(json.dumps(data, sort_keys=True))
    else:
        for line in lines:
            click.echo(printable(line))


def print_json(data: dict[str, Any]) -> None:
    """Prints `data` as one JSON object on stdout."""
    click.echo(json.dumps(data, sort_keys=True))


documents_option = click.option(
    "--document",
    "documents",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A document the passport cites (repeatable).",
)
public_option = click.option(
    "--public", "public_fields", multiple=True, metavar="FIELD", help="Publish only these fields."
)
