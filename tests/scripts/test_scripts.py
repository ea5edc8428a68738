"""The Ape scripts on the local Anvil network (ethereum:local:foundry, Ape's test accounts)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import filon
from common import CAPACITY_MG, FAR_FUTURE, root
from filon.devchain import Anvil, dev_accounts

from .conftest import Run

REGISTRAR, MINER, PLANT = (a.address for a in dev_accounts(3))
HASH = "0x" + "11" * 32
ROOT = "0x" + "22" * 32


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


def failed_with(result: subprocess.CompletedProcess[str]) -> str:
    """The one error line a failed script printed."""
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def local(run: Run, anvil: Anvil, tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, Path]:
    """`ape run` bound to the module's Anvil and a fresh manifest path, after `deploy`."""
    manifest = tmp_path_factory.mktemp("deployments") / "31337.json"
    where = ["--provider-settings", json.dumps({"host": anvil.url}), "--deployment", str(manifest)]

    def on_anvil(script: str, *args: str) -> subprocess.CompletedProcess[str]:
        return run(script, *args, *where)

    ok(on_anvil("deploy", "--account", "TEST::0"))
    return on_anvil, manifest


def test_deploy_writes_the_manifest_and_the_compiler_input(local: tuple[Run, Path]) -> None:
    _, manifest = local

    saved = json.loads(manifest.read_text())
    compiler_input = json.loads(manifest.with_name("31337.standard-input.json").read_text())

    assert saved["chain_id"] == 31337
    assert saved["deployer"] == REGISTRAR
    assert compiler_input["language"] == "Solidity"
    assert "contracts/FilonLots.sol" in compiler_input["sources"]
    assert any("openzeppelin" in name for name in compiler_input["sources"])
    assert compiler_input["settings"]["viaIR"] is True


def test_a_lot_goes_from_the_mine_through_a_plant(local: tuple[Run, Path]) -> None:
    on_anvil, _ = local
    ok(on_anvil("register_participant", MINER, "mine_operator", "--account", "TEST::0"))
    ok(on_anvil("register_participant", PLANT, "processor", "--account", "TEST::0"))
    mine = ok(
        on_anvil(
            "register_mine", MINER, "--country", "PE", "--permit-hash", HASH, "--permit-expiry",
            "4000000000", "--location-hash", HASH, "--capacity-mg", "50000000", "--account", "TEST::0",
        )
    )  # fmt: skip
    assert mine.strip() == f"mine 1 registered for {MINER}"

    declared = ok(
        on_anvil(
            "declare_lot", "1", "--fine-gold-mg", "850000", "--gross-mass-mg", "1000000",
            "--passport-root", ROOT, "--external-ref", "PLANT-0042", "--account", "TEST::1",
        )
    )  # fmt: skip
    ok(on_anvil("transfer_lot", "1", PLANT, "--account", "TEST::1"))
    produced = ok(
        on_anvil(
            "transform_lots", "1", "--output", "dore:800000:900000", "--passport-root", ROOT,
            "--account", "TEST::2",
        )
    )  # fmt: skip
    dore = produced.strip().removeprefix("lots 1 -> ")
    shown = ok(on_anvil("show_lot", dore))

    assert declared.strip() == "lot 1 declared from mine 1"
    assert dore.isdigit()
    assert f"holder         {PLANT}" in shown
    assert "form           dore" in shown
    assert "parents        1" in shown


def test_an_unknown_lot_is_one_line(local: tuple[Run, Path]) -> None:
    on_anvil, _ = local

    line = failed_with(on_anvil("show_lot", "999"))

    assert line == "Error: UnknownLot: No lot has id 999."


def test_a_rejected_transaction_is_one_line(local: tuple[Run, Path], anvil: Anvil) -> None:
    """Its own consumed lot, made through the library by accounts no other test here uses, then the script."""
    on_anvil, manifest = local
    registrar, miner, plant = (dev_accounts(6)[i] for i in (0, 4, 5))
    admin = filon.connect(anvil.url, manifest, registrar)
    admin.register_participant(miner.address, filon.Role.MINE_OPERATOR)
    admin.register_participant(plant.address, filon.Role.PROCESSOR)
    mine = admin.register_mine(miner.address, b"\1" * 32, FAR_FUTURE, "PE", b"\2" * 32, CAPACITY_MG)
    mining = filon.connect(anvil.url, manifest, miner)
    ore = mining.declare_lot(mine, 1_000, 2_000, root("ore"))
    mining.transfer(ore, plant.address)
    filon.connect(anvil.url, manifest, plant).transform(
        [ore], [filon.LotOutput(filon.Form.DORE, 900, 1_000)], root("dore")
    )

    line = failed_with(on_anvil("transfer_lot", str(ore), PLANT, "--account", "TEST::5"))

    consumed = f"Lot {ore} was consumed by a transformation and can no longer be used."
    assert line == f"Error: LotConsumed: {consumed}"
