"""What every `filon` command shares: accounts, output, and turning errors into one line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
from eth_account import Account
from eth_account.signers.local import LocalAccount

from filon._errors import FilonError

PASSWORD_ENV = "FILON_ACCOUNT_PASSWORD"
"""The environment variable holding the keystore password (else it is asked for, hidden)."""


class CliError(FilonError):
    """A command cannot run as asked (bad file, wrong password, ...): shown as one line."""


def run(command: click.Command, argv: list[str] | None) -> int:
    """Runs `command`, turning every error into one line on stderr and an exit status."""
    try:
        command.main(args=argv, prog_name="filon", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except FilonError as exc:
        click.echo(f"Error: {_one_line(str(exc))}", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return 130
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def load_account(path: Path) -> LocalAccount:
    """Decrypts the eth-account keystore at `path`.

    The password comes from the `FILON_ACCOUNT_PASSWORD` environment variable, else from a hidden prompt.

    Raises:
        CliError: The file is missing or not a keystore, or the password is wrong.
    """
    try:
        keystore = json.loads(path.read_text())
    except FileNotFoundError:
        raise CliError(f"No keystore file at {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CliError(f"{path} is not an encrypted keystore file ({exc.__class__.__name__})") from None
    if not isinstance(keystore, dict) or "crypto" not in {k.lower() for k in keystore}:
        raise CliError(f"{path} is not an encrypted keystore file (no 'crypto' section)")
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = click.prompt(f"Password for {path.name}", hide_input=True, err=True)
    try:
        key = Account.decrypt(keystore, password)
    except ValueError:
        raise CliError(f"Wrong password for the keystore {path}") from None
    account: LocalAccount = Account.from_key(key)
    return account


def emit(data: dict[str, Any], *, as_json: bool, lines: list[str]) -> None:
    """Prints `data` as one JSON object (for scripts) or `lines` (for people) on stdout."""
    if as_json:
        click.echo(json.dumps(data, sort_keys=True))
    else:
        for line in lines:
            click.echo(line)


def fail(message: str) -> None:
    """Stops the command with `message` as its one error line."""
    raise CliError(message)
