"""Ape accounts as the eth-account `LocalAccount` that `filon` signs with.

Only accounts whose key can be read locally qualify: Ape's test accounts (`TEST::0`, the `test` mnemonic of
ape-config.yaml) and keystore accounts (`ape accounts import ALIAS`). A keystore's passphrase comes from
Ape's own `APE_ACCOUNTS_<alias>_PASSPHRASE` environment variable, else a hidden prompt. No key is printed.
"""

from __future__ import annotations

import os

import click
from ape.api import AccountAPI
from ape_accounts.accounts import KeyfileAccount
from ape_test.accounts import TestAccount
from eth_account import Account
from eth_account.signers.local import LocalAccount


def local_account(account: AccountAPI) -> LocalAccount:
    """The `LocalAccount` holding the key of Ape's `account`.

    Raises:
        click.ClickException: The account's key is not available here, or the passphrase is wrong.
    """
    if isinstance(account, TestAccount):
        return Account.from_key(account.private_key)
    if isinstance(account, KeyfileAccount):
        return _decrypt(account)
    raise click.ClickException(
        f"Account {account.address} is a {type(account).__name__}, whose key filon cannot sign with: "
        "use a keystore alias (ape accounts import) or a test account (TEST::0)."
    )


def _decrypt(account: KeyfileAccount) -> LocalAccount:
    variable = f"APE_ACCOUNTS_{account.alias}_PASSPHRASE"
    passphrase = os.environ.get(variable)
    if passphrase is None:
        passphrase = click.prompt(f"Passphrase of '{account.alias}'", hide_input=True, err=True)
    try:
        key = Account.decrypt(account.keyfile, passphrase)
    except ValueError:
        source = variable if variable in os.environ else "the prompt"
        raise click.ClickException(
            f"Wrong passphrase for account '{account.alias}' (from {source})."
        ) from None
    return Account.from_key(key)
