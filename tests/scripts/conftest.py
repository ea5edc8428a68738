"""Run Filón's Ape scripts through the real `ape run`, against Anvil nodes started here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from filon.devchain import Anvil, start_anvil

PROJECT = Path(__file__).resolve().parents[2]
APE = Path(sys.executable).parent / "ape"
SEPOLIA_CHAIN_ID = 11155111

Run = Callable[..., subprocess.CompletedProcess[str]]


def _environment(data_folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["APE_DATA_FOLDER"] = str(data_folder)
    env.setdefault("SOLCX_BINARY_PATH", str(PROJECT / ".filon" / "solcx"))
    env["PATH"] = os.pathsep.join([str(APE.parent), str(PROJECT / ".filon" / "bin"), env["PATH"]])
    return env


@pytest.fixture(scope="session")
def ape_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's Ape data folder (installed dependencies), with room for test keystores."""
    folder = tmp_path_factory.mktemp("ape-data") / "ape"
    shutil.copytree(PROJECT / ".filon" / "ape", folder, ignore=shutil.ignore_patterns("processes"))
    (folder / "accounts").mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def run(ape_data: Path) -> Run:
    """`run("deploy", "--account", ..., env={...})`: `ape run` in the project, as a user would type it."""

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(APE), "run", *args],
            cwd=PROJECT,
            env={**_environment(ape_data), **(env or {})},
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture(scope="module")
def anvil() -> Iterator[Anvil]:
    with start_anvil() as node:
        yield node


@pytest.fixture(scope="module")
def sepolia_anvil() -> Iterator[Anvil]:
    """An Anvil with Sepolia's chain id: the testnet node, without internet."""
    with start_anvil(chain_id=SEPOLIA_CHAIN_ID) as node:
        yield node
