"""Each fault test gets its own Anvil (`node`), saving its state every second, with FilonLots deployed, a
miner admitted and its mine registered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import filon
from filon.devchain import dev_accounts, start_anvil

from .helpers import CAPACITY_MG, FAR_FUTURE, SAVE_EVERY_S, Node


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    registrar, miner = dev_accounts(2)
    state = tmp_path / "chain-state.json"
    anvil = start_anvil(state_file=state, state_interval=SAVE_EVERY_S)
    started = [anvil]
    try:
        deployment = filon.deploy(anvil.url, registrar)
        admin = filon.connect(anvil.url, deployment=deployment, account=registrar)
        admin.register_participant(miner.address, filon.Role.MINE_OPERATOR)
        mine_id = admin.register_mine(
            operator=miner.address,
            permit_hash=b"\1" * 32,
            permit_expiry=FAR_FUTURE,
            country="PE",
            location_hash=b"\2" * 32,
            capacity_mg=CAPACITY_MG,
        )
        yield Node(state, anvil, deployment, registrar, miner, mine_id, started)
    finally:
        for running in started:
            running.stop()
