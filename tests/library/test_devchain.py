"""filon.devchain: starting and stopping Anvil, its development accounts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from web3 import HTTPProvider, Web3

import filon
from filon.devchain import (
    DEV_MNEMONIC,
    Anvil,
    AnvilError,
    AnvilNotFound,
    dev_accounts,
    find_anvil,
    start_anvil,
)


def test_dev_accounts_are_anvils_funded_accounts(anvil: Anvil) -> None:
    accounts = dev_accounts(3)

    assert [a.address for a in accounts] == [
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    ]
    w3 = Web3(HTTPProvider(anvil.url))
    assert list(w3.eth.accounts[:3]) == [a.address for a in accounts]


def test_start_anvil_on_a_free_port_with_a_chain_id_then_stop() -> None:
    node = start_anvil(chain_id=4242)
    try:
        assert node.url == f"http://127.0.0.1:{node.port}"
        assert node.port > 0
        assert Web3(HTTPProvider(node.url)).eth.chain_id == 4242
        assert node.process.poll() is None
    finally:
        node.stop()

    assert node.process.returncode is not None
    with pytest.raises(filon.RpcUnavailable):
        filon.connect(node.url, deployment=_any_deployment(4242))


def test_a_busy_port_is_a_clear_error(anvil: Anvil) -> None:
    with pytest.raises(AnvilError, match="exited with code") as info:
        start_anvil(anvil.port)

    assert isinstance(info.value, filon.FilonError)


def test_state_file_keeps_the_chain_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "chain.json"
    registrar = dev_accounts(1)[0]
    with start_anvil(state_file=state) as first:
        deployment = filon.deploy(first.url, registrar)

    assert state.exists()
    with start_anvil(state_file=state) as second:
        client = filon.connect(second.url, deployment=deployment)
        assert client.lot_count() == 0
        assert client.mine_count() == 0


def _wait_for_a_save_after(state: Path, since_ns: int) -> None:
    """Waits until Anvil has (re)written its state file after `since_ns`, and a moment more so that the
    write is complete (a kill while it writes is another fault, not this test's)."""
    deadline = time.monotonic() + 10
    while not state.exists() or state.stat().st_mtime_ns <= since_ns:
        assert time.monotonic() < deadline, f"Anvil did not save {state} within 10 s"
        time.sleep(0.01)
    time.sleep(0.1)


def test_state_interval_keeps_the_chain_when_anvil_is_killed(tmp_path: Path) -> None:
    state = tmp_path / "chain.json"
    registrar = dev_accounts(1)[0]
    first = start_anvil(state_file=state, state_interval=1)
    try:
        deployment = filon.deploy(first.url, registrar)
        _wait_for_a_save_after(state, time.time_ns())
    finally:
        first.process.kill()  # SIGKILL: nothing is saved on the way out
        first.process.wait()

    with start_anvil(state_file=state) as second:
        assert filon.connect(second.url, deployment=deployment).mine_count() == 0


def test_the_output_kept_for_diagnostics_holds_no_key_nor_the_mnemonic() -> None:
    with start_anvil() as node:
        output = node.output

    assert "Private Keys" in output and "(0) 0x<private key not kept>" in output
    assert "Mnemonic:          <mnemonic not kept>" in output
    assert DEV_MNEMONIC not in output
    for account in dev_accounts(10):
        assert bytes(account.key).hex() not in output.lower()


def test_state_interval_needs_a_state_file() -> None:
    with pytest.raises(AnvilError, match=r"^state_interval needs a state_file to save the state to$"):
        start_anvil(state_interval=1)


def test_block_time_mines_blocks_without_transactions() -> None:
    with start_anvil(block_time=0.2) as node:
        w3 = Web3(HTTPProvider(node.url))
        start = w3.eth.block_number
        deadline = time.monotonic() + 10
        while w3.eth.block_number < start + 2:  # no transaction is sent: only the block timer mines
            assert time.monotonic() < deadline, "no block was mined in 10 s with a 0.2 s block time"
            time.sleep(0.05)


def test_anvil_from_the_environment_variable_must_exist(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FILON_ANVIL", str(tmp_path / "no-anvil-here"))

    with pytest.raises(AnvilNotFound, match="FILON_ANVIL") as info:
        start_anvil()

    assert isinstance(info.value, FileNotFoundError)
    assert isinstance(info.value, filon.FilonError)


def test_anvil_is_found_in_node_modules_of_a_parent(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "node_modules" / "@foundry-rs" / "anvil-test-arch" / "bin" / "anvil"
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    monkeypatch.delenv("FILON_ANVIL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.chdir(nested)

    assert find_anvil() == fake.resolve()


def test_no_anvil_anywhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("FILON_ANVIL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)

    with pytest.raises(AnvilNotFound, match="npm ci"):
        find_anvil()


def _any_deployment(chain_id: int) -> filon.Deployment:
    return filon.Deployment(
        chain_id=chain_id,
        address="0x5FbDB2315678afecb367f032d93F642f64180aa3",
        deployment_block=1,
        transaction_hash="0x" + "00" * 32,
        deployer="0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        compiler_version="0.8.30",
    )
