"""The `filon` command: the operator's front door over the library.

Every command calls the library; nothing here re-implements a rule. Errors print one line on stderr and
exit with status 1 (2 for a usage error); no traceback reaches the operator. Private keys come only from
an encrypted keystore file (a path, or an Ape account alias), whose password is read from an environment
variable or a hidden prompt: a key is never a command-line argument and never printed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from filon._cli._admin import deploy, mine, participant
from filon._cli._assay import assay
from filon._cli._attest import attest
from filon._cli._backup import backup
from filon._cli._chain import chain
from filon._cli._common import run
from filon._cli._explorer import explorer
from filon._cli._index import index
from filon._cli._lot import lot
from filon._cli._passport import passport
from filon._cli._records import registry
from filon._cli._report import report
from filon._cli._serial import assign_serial, find_serial
from filon._cli._sharing import grant, publish_key, revoke, show
from filon._cli._store import store

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="filon", prog_name="filon")
def cli() -> None:
    """Filón: trace responsibly mined gold, lot by lot, from permitted mines to the jeweller."""


lot.add_command(assay)
for command in (
    deploy,
    participant,
    mine,
    registry,
    lot,
    passport,
    attest,
    store,
    backup,
    chain,
    explorer,
    index,
    report,
):
    cli.add_command(command)
for command in (assign_serial, find_serial):
    lot.add_command(command)
for command in (grant, revoke, show):
    passport.add_command(command)
participant.add_command(publish_key)


def main(argv: Sequence[str] | None = None) -> None:
    """The console script's entry point."""
    sys.exit(run(cli, list(argv) if argv is not None else None))
