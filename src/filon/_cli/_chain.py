"""`filon chain up`: a local Anvil for development, whose state survives restarts."""

from __future__ import annotations

from pathlib import Path

import click

from filon._cli._common import fail
from filon.devchain import Anvil, start_anvil

DEFAULT_STATE = Path(".filon") / "chain" / "state.json"
"""Where the chain's state is kept, under the project's data folder."""


def _serve(anvil: Anvil) -> int:
    """Blocks until Anvil exits (Ctrl-C interrupts the wait); returns its exit code."""
    return anvil.process.wait()


@click.group()
def chain() -> None:
    """A local development chain (Anvil)."""


@chain.command()
@click.option("--port", default=8545, show_default=True, type=click.IntRange(min=0, max=65535))
@click.option(
    "--state",
    default=DEFAULT_STATE,
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Anvil's state file: loaded at start, saved at stop.",
)
def up(port: int, state: Path) -> None:
    """Run a local Anvil until Ctrl-C; its chain is saved to --state and reloaded next time.

    Its accounts are Anvil's public development keys: never use them on a real network.
    """
    try:
        state.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"Cannot create {state.parent}: {exc.strerror or exc}")
    anvil = start_anvil(port, state_file=state)
    click.echo(f"Anvil listening on {anvil.url} (state: {state}); Ctrl-C stops it")
    try:
        code = _serve(anvil)
    except KeyboardInterrupt:
        anvil.stop()
        click.echo(f"Anvil stopped; state saved to {state}")
        return
    fail(f"Anvil exited by itself with code {code}: {' '.join(anvil.output.split()[-30:])}")
