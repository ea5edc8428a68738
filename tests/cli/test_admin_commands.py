"""`filon deploy`, `filon participant add`, `filon mine ...`, `filon chain up`, and Ape account aliases."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

import filon
from filon._cli import _chain
from filon.devchain import Anvil

from .helpers import FAR_FUTURE, Filon, World, chain_year, keystore, ok_json, one_error

HASH_A = "0x" + "aa" * 32
HASH_B = "0x" + "bb" * 32


def test_deploy_writes_a_manifest_clients_connect_with(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    out = tmp_path / "new" / "deployment.json"

    report = ok_json(filon_cli("deploy", "--account", str(keys["registrar"]), "--out", str(out), "--json"))

    manifest = filon.Deployment.load(out)
    assert report == {
        "manifest": str(out),
        "address": manifest.address,
        "chain_id": 31337,
        "deployment_block": manifest.deployment_block,
        "deployer": world.registrar.address,
    }
    assert filon.connect(world.anvil.url, deployment=out).mine_count() == 0
    again = filon_cli("deploy", "--account", str(keys["registrar"]), "--out", str(out))
    assert one_error(again) == f"{out} already exists: choose another --out"


def test_registrar_admits_an_operator_registers_its_mine_and_shows_it(
    world: World, keys: dict[str, Path], filon_cli: Filon
) -> None:
    operator = world.spare[0].address
    registrar = ("--account", str(keys["registrar"]), "--json")

    admitted = ok_json(filon_cli("participant", "add", operator, "--role", "mine-operator", *registrar))
    registered = ok_json(
        filon_cli(
            "mine", "register", "--operator", operator, "--permit-hash", HASH_A,
            "--permit-expiry", "2099-01-01", "--country", "PE", "--location-hash", HASH_B,
            "--capacity-kg", "12.5", *registrar,
        )
    )  # fmt: skip
    mine_id = registered["mine_id"]
    shown = ok_json(filon_cli("mine", "show", str(mine_id), "--json"))

    assert admitted["address"] == operator and admitted["role"] == "mine-operator"
    assert re.fullmatch(r"0x[0-9a-f]{64}", admitted["transaction"])
    assert filon.connect(world.anvil.url, deployment=keys["deployment"]).role_of(operator) == (
        filon.Role.MINE_OPERATOR
    )
    assert registered == {
        "mine_id": mine_id,
        "operator": operator,
        "capacity_mg": 12_500_000,
        "permit_expiry": 4_070_908_800,
    }
    assert shown == {
        "id": mine_id,
        "operator": operator,
        "status": "active",
        "country": "PE",
        "permit_expiry": 4_070_908_800,
        "permit_expiry_utc": "2099-01-01T00:00:00Z",
        "capacity_mg": 12_500_000,
        "declared_this_year_mg": 0,
        "remaining_mg": 12_500_000,
        "year": chain_year(world),
        "permit_hash": HASH_A,
        "location_hash": HASH_B,
        "passport_hash": "0x" + "00" * 32,
        "record": None,
        "record_state": "none",
        "verified": False,
    }
    code, out, err = filon_cli("mine", "show", str(mine_id))
    assert (code, err) == (0, "")
    assert "Mine " + str(mine_id) in out and "12500 g per year" in out and "2099-01-01T00:00:00Z" in out


def test_suspend_reactivate_revoke(world: World, keys: dict[str, Path], filon_cli: Filon) -> None:
    operator = world.spare[1]
    admin = world.client(world.registrar)
    admin.register_participant(operator.address, filon.Role.MINE_OPERATOR)
    mine_id = admin.register_mine(operator.address, HASH_A, FAR_FUTURE, "PE", HASH_B, 10**6)
    registrar = ("--account", str(keys["registrar"]), "--json")

    statuses = []
    for action in ("suspend", "reactivate", "suspend", "revoke"):
        report = ok_json(filon_cli("mine", action, str(mine_id), *registrar))
        statuses.append((report["mine_id"], report["status"], admin.mine(mine_id).status.name.lower()))

    assert statuses == [
        (mine_id, "suspended", "suspended"),
        (mine_id, "active", "active"),
        (mine_id, "suspended", "suspended"),
        (mine_id, "revoked", "revoked"),
    ]
    assert one_error(filon_cli("mine", "reactivate", str(mine_id), *registrar)).startswith(f"Mine {mine_id}")


def test_an_ape_account_alias_signs(
    world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    keystore(tmp_path / "ape" / "accounts", world.registrar, "filon-registrar")
    trader = world.spare[2].address

    report = ok_json(
        filon_cli("participant", "add", trader, "--role", "trader", "--account", "filon-registrar", "--json")
    )

    assert report["role"] == "trader"
    assert world.client().role_of(trader) == filon.Role.TRADER
    assert one_error(filon_cli("participant", "add", trader, "--role", "trader", "--account", "nobody")) == (
        f"No keystore file at nobody, and no Ape account alias 'nobody' in {tmp_path / 'ape' / 'accounts'}"
    )


def test_the_password_is_asked_for_hidden_when_not_in_the_environment(
    world: World, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch, filon_cli: Filon
) -> None:
    monkeypatch.delenv("FILON_ACCOUNT_PASSWORD")
    prompts: list[tuple[str, bool]] = []

    def prompt(text: str, hide_input: bool = False, **kwargs: object) -> str:
        prompts.append((text, hide_input))
        return "correct horse battery staple"

    monkeypatch.setattr("filon._cli._common.click.prompt", prompt)
    report = ok_json(
        filon_cli(
            "participant", "add", world.spare[3].address, "--role", "manufacturer",
            "--account", str(keys["registrar"]), "--json",
        )
    )  # fmt: skip

    assert report["role"] == "manufacturer"
    assert prompts == [("Password for registrar.json", True)]


def test_registrar_commands_refuse_other_accounts(
    world: World, keys: dict[str, Path], filon_cli: Filon
) -> None:
    error = one_error(
        filon_cli(
            "participant", "add", world.spare[4].address, "--role", "trader", "--account", str(keys["miner"])
        )
    )

    assert world.miner.address in error


def _rpc(url: str, method: str, *params: object) -> object:
    request = urllib.request.Request(
        url,
        data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["result"]


def test_chain_up_runs_anvil_until_ctrl_c_and_keeps_its_state(
    keys: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filon_cli: Filon
) -> None:
    heights: list[object] = []

    def mine_two_blocks_then_ctrl_c(anvil: Anvil) -> int:
        heights.append(_rpc(anvil.url, "eth_blockNumber"))
        _rpc(anvil.url, "anvil_mine", "0x2")
        raise KeyboardInterrupt

    monkeypatch.setattr(_chain, "_serve", mine_two_blocks_then_ctrl_c)
    first = filon_cli("chain", "up", "--port", "0")
    second = filon_cli("chain", "up", "--port", "0")

    state = Path(".filon") / "chain" / "state.json"
    shown = re.escape(str(state))
    for code, out, err in (first, second):
        assert (code, err) == (0, "")
        assert re.fullmatch(
            rf"Anvil listening on http://127\.0\.0\.1:\d+ \(state: {shown}\); Ctrl-C stops it\n"
            rf"Anvil stopped; state saved to {shown}\n",
            out,
        )
    assert heights == ["0x0", "0x2"]  # the second run started from the state the first one saved
    assert (tmp_path / state).is_file()
