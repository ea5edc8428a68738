"""One real chain for the explorer's tests: Anvil, a fresh deployment, the demo scenario played on it (four
Peruvian mines, one suspended, a plant, a refiner, a jeweller), and an SQLite index synced from it for real.

Package scope: every test module here reads the same played chain (none of them writes to it), so Anvil
starts and the scenario plays once for the whole directory. The browser fixtures come from tests/servers.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web3 import HTTPProvider, Web3

import _scenario as sc  # loaded by its path in tests/conftest.py
import filon
from filon.devchain import start_anvil
from filon.explorer import create_app
from filon.index import Index, open_index
from filon.passport import DocumentStore
from servers import browser as browser
from servers import page as page


@dataclass(frozen=True)
class Explored:
    """The played chain, its index and an explorer over them."""

    rpc_url: str
    deployment: filon.Deployment
    store: DocumentStore
    summary: sc.Summary
    index: Index
    app: FastAPI
    client: TestClient
    reader: filon.Client
    folder: Path

    @property
    def bar(self) -> int:
        """The first bar: 100 g of fine gold, from all four mines, held by the jeweller."""
        return self.summary.bar_ids[0]

    @property
    def web3(self) -> Web3:
        """Raw RPC, to check what the index says against blocks themselves."""
        return Web3(HTTPProvider(self.rpc_url))


@pytest.fixture(scope="package")
def explored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Explored]:
    folder = tmp_path_factory.mktemp("explorer")
    store = folder / "store"
    with start_anvil() as anvil:
        deployment = filon.deploy(anvil.url, sc.Cast.dev().registrar)
        summary = sc.run_scenario(anvil.url, deployment, store)
        with open_index(
            deployment, rpc_url=anvil.url, database_url=f"sqlite:///{folder / 'index.sqlite'}"
        ) as index:
            documents = DocumentStore(store)
            app = create_app(index, documents)
            index.sync()  # after create_app, which has it read published records from the explorer's store
            with TestClient(app) as client:
                reader = filon.connect(anvil.url, deployment=deployment, store=store)
                yield Explored(anvil.url, deployment, documents, summary, index, app, client, reader, folder)
