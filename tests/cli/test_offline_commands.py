"""`filon lot sign --offline` at the pit and `filon lot submit` at the plant, end to end on a real Anvil."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno
from eth_account import Account
from eth_account.signers.local import LocalAccount

import filon
from filon._cli import cli
from filon._cli._common import run
from filon.devchain import Anvil, dev_accounts, start_anvil

PASSWORD = "correct horse battery staple"
ROOT_HEX = "0x" + "ab" * 32
FILON = Path(sys.executable).parent / "filon"


@pytest.fixture(scope="module")
def chain() -> Iterator[tuple[Anvil, filon.Deployment]]:
    registrar, miner, plant = dev_accounts(3)
    with start_anvil() as anvil:
        deployment = filon.deploy(anvil.url, registrar)
        admin = filon.connect(anvil.url, deployment=deployment, account=registrar)
        admin.register_participant(miner.address, filon.Role.MINE_OPERATOR)
        admin.register_participant(plant.address, filon.Role.PROCESSOR)
        admin.register_mine(
            operator=miner.address,
            permit_hash=b"\1" * 32,
            permit_expiry=4_000_000_000,
            country="PE",
            location_hash=b"\2" * 32,
            capacity_mg=10**9,
        )
        yield anvil, deployment


def _keystore(tmp_path: Path, account: LocalAccount, name: str) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(Account.encrypt(account.key, PASSWORD, kdf="pbkdf2", iterations=1000)))
    return path


@pytest.fixture
def files(tmp_path: Path, chain: tuple[Anvil, filon.Deployment]) -> dict[str, Path]:
    _, deployment = chain
    _, miner, plant = dev_accounts(3)
    return {
        "deployment": deployment.save(tmp_path / "deployment.json"),
        "miner": _keystore(tmp_path, miner, "miner"),
        "plant": _keystore(tmp_path, plant, "plant"),
    }


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FILON_ACCOUNT_PASSWORD", PASSWORD)


def _filon(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run(cli, list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _sign_args(files: dict[str, Path], tmp_path: Path, *extra: str) -> list[str]:
    return [
        "lot", "sign", "--offline",
        "--deployment", str(files["deployment"]),
        "--account", str(files["miner"]),
        "--mine", "1", "--fine-gold-mg", "850000", "--gross-mass-mg", "1000000",
        "--passport-root", ROOT_HEX, "--passport-uri", "ipfs://pit-passport",
        "--external-ref", "PIT-1",
        "--out", str(tmp_path / "pit-1.json"),
        *extra,
    ]  # fmt: skip


def test_sign_offline_writes_declaration_and_qr_without_network(
    files: dict[str, Path],
    tmp_path: Path,
    password: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, miner, plant = dev_accounts(3)

    def no_network(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("filon lot sign --offline used the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    code, out, err = _filon(
        *_sign_args(files, tmp_path, "--nonce", "0", "--recipient", plant.address, "--json"), capsys=capsys
    )

    assert (code, err) == (0, "")
    report = json.loads(out)
    assert report["declaration"] == str(tmp_path / "pit-1.json") and report["nonce"] == 0
    signed = filon.SignedDeclaration.from_json((tmp_path / "pit-1.json").read_text())
    assert (signed.operator, signed.recipient, signed.mine_id, signed.fine_gold_mg) == (
        miner.address,
        plant.address,
        1,
        850_000,
    )
    # The QR code carries the declaration as compact JSON, which reads back as the same declaration.
    assert filon.SignedDeclaration.from_json(signed.to_json()) == signed
    expected = io.BytesIO()
    segno.make(signed.to_json(), error="m", micro=False).save(expected, kind="png", scale=6, border=4)
    assert (tmp_path / "pit-1.png").read_bytes() == expected.getvalue()


def test_plant_submits_the_signed_file(
    files: dict[str, Path],
    tmp_path: Path,
    chain: tuple[Anvil, filon.Deployment],
    password: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    anvil, deployment = chain
    _, miner, plant = dev_accounts(3)
    nonce = filon.connect(anvil.url, deployment=deployment).declaration_nonce(miner.address)
    _filon(*_sign_args(files, tmp_path, "--nonce", str(nonce), "--recipient", plant.address), capsys=capsys)

    code, out, err = _filon(
        "lot", "submit", str(tmp_path / "pit-1.json"),
        "--rpc", anvil.url, "--deployment", str(files["deployment"]), "--account", str(files["plant"]),
        "--json",
        capsys=capsys,
    )  # fmt: skip

    assert (code, err) == (0, "")
    lot_id = json.loads(out)["lot_id"]
    lot = filon.connect(anvil.url, deployment=deployment).lot(lot_id)
    assert (lot.holder, lot.mine_id, lot.fine_gold_mg, lot.external_ref) == (
        plant.address,
        1,
        850_000,
        "PIT-1",
    )

    code, out, err = _filon(
        "lot", "submit", str(tmp_path / "pit-1.json"),
        "--rpc", anvil.url, "--deployment", str(files["deployment"]), "--account", str(files["plant"]),
        capsys=capsys,
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err == (
        f"Error: Declaration nonce {nonce} of {miner.address} is used up (cancelled, or already submitted): "
        f"its next nonce under that key is {nonce + 1}.\n"
    )


def test_sign_without_nonce_takes_a_fresh_key_and_never_overwrites(
    files: dict[str, Path], tmp_path: Path, password: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _filon(*_sign_args(files, tmp_path), capsys=capsys)
    first = filon.SignedDeclaration.from_json((tmp_path / "pit-1.json").read_text())
    again_code, again_out, again_err = _filon(*_sign_args(files, tmp_path), capsys=capsys)

    assert (code, err) == (0, "")
    assert first.nonce >> 64 != 0 and first.nonce % 2**64 == 0  # a random key, sequence 0
    assert (again_code, again_out) == (1, "")
    assert again_err == (
        f"Error: {tmp_path / 'pit-1.json'} already exists: a signed declaration is never overwritten "
        "(choose another --out)\n"
    )
    assert filon.SignedDeclaration.from_json((tmp_path / "pit-1.json").read_text()) == first


def test_wrong_password_is_one_clear_line(
    files: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FILON_ACCOUNT_PASSWORD", "wrong")

    code, out, err = _filon(*_sign_args(files, tmp_path, "--nonce", "0"), capsys=capsys)

    assert (code, out) == (1, "")
    assert err == f"Error: Wrong password for the keystore {files['miner']}\n"


def test_malformed_declaration_file_is_one_clear_line(
    files: dict[str, Path],
    tmp_path: Path,
    chain: tuple[Anvil, filon.Deployment],
    password: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    anvil, _ = chain
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe not json")

    code, out, err = _filon(
        "lot", "submit", str(bad),
        "--rpc", anvil.url, "--deployment", str(files["deployment"]), "--account", str(files["plant"]),
        capsys=capsys,
    )  # fmt: skip

    assert (code, out) == (1, "")
    assert err.startswith("Error: not a signed declaration: invalid JSON") and err.count("\n") == 1


def test_console_script_never_prints_the_key(files: dict[str, Path], tmp_path: Path) -> None:
    _, miner, _ = dev_accounts(3)
    proc = subprocess.run(
        [str(FILON), *_sign_args(files, tmp_path, "--nonce", "5")],
        capture_output=True,
        text=True,
        env={"PATH": str(FILON.parent), "FILON_ACCOUNT_PASSWORD": PASSWORD, "HOME": str(tmp_path)},
        timeout=120,
    )

    assert proc.returncode == 0, proc.stderr
    assert f"Signed declaration written to {tmp_path / 'pit-1.json'}" in proc.stdout
    key = miner.key.hex().removeprefix("0x")
    for text in (proc.stdout, proc.stderr, (tmp_path / "pit-1.json").read_text()):
        assert key not in text.lower()


def test_a_cancelled_declaration_can_never_be_submitted(
    files: dict[str, Path],
    tmp_path: Path,
    chain: tuple[Anvil, filon.Deployment],
    password: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A miner who lost a signed declaration (or gave it to the wrong plant) revokes it with its nonce."""
    anvil, deployment = chain
    _, miner, plant = dev_accounts(3)
    where = ("--rpc", anvil.url, "--deployment", str(files["deployment"]))
    code, out, err = _filon("lot", "nonce", miner.address, *where, "--json", capsys=capsys)
    assert (code, err) == (0, "")
    nonce = json.loads(out)["nonce"]
    assert nonce == filon.connect(anvil.url, deployment=deployment).declaration_nonce(miner.address)
    _filon(*_sign_args(files, tmp_path, "--nonce", str(nonce), "--recipient", plant.address), capsys=capsys)

    code, out, err = _filon(
        "lot", "cancel", str(nonce), *where, "--account", str(files["miner"]), "--json", capsys=capsys
    )
    assert (code, err) == (0, "")
    cancelled = json.loads(out)
    assert cancelled["nonce"] == nonce and cancelled["transaction"].startswith("0x")
    assert _filon("lot", "nonce", miner.address, *where, capsys=capsys) == (0, f"{nonce + 1}\n", "")

    code, out, err = _filon(
        "lot", "submit", str(tmp_path / "pit-1.json"), *where, "--account", str(files["plant"]), capsys=capsys
    )
    assert (code, out) == (1, "")
    assert err == (
        f"Error: Declaration nonce {nonce} of {miner.address} is used up (cancelled, or already submitted): "
        f"its next nonce under that key is {nonce + 1}.\n"
    )
    code, out, err = _filon(
        "lot", "cancel", str(nonce), *where, "--account", str(files["miner"]), capsys=capsys
    )
    assert (code, out) == (1, "")
    assert err == (
        f"Error: The declaration's nonce is not the next nonce of {miner.address}, which is {nonce + 1}.\n"
    )
