"""Every failure is one `Error: ...` line on stderr and exit status 1 (2 for a usage error, such as a value
its option's type refuses), never a traceback."""

from __future__ import annotations

import json
import socket
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

import filon
from filon._chain import Chain
from servers import serve_socket

from .helpers import FAR_FUTURE, Filon, World, keystore, one_error, usage_error, write_passport

ROOT = "0x" + "ab" * 32


def test_unknown_lot_and_unknown_mine(keys: dict[str, Path], filon_cli: Filon) -> None:
    assert one_error(filon_cli("lot", "show", "424242")) == "No lot has id 424242."
    assert one_error(filon_cli("lot", "history", "424242")) == "No lot has id 424242."
    assert one_error(filon_cli("mine", "show", "77")) == "No mine has id 77."


def test_wrong_account(world: World, keys: dict[str, Path], filon_cli: Filon) -> None:
    lot_id = world.client(world.miner).declare_lot(filon.MineId(1), 1000, 2000, ROOT)

    error = one_error(
        filon_cli("lot", "transfer", str(lot_id), world.refiner.address, "--account", str(keys["plant"]))
    )

    assert world.plant.address in error and str(lot_id) in error
    assert world.client().lot(lot_id).holder == world.miner.address


def test_suspended_mine(world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon) -> None:
    operator = world.spare[4]
    admin = world.client(world.registrar)
    admin.register_participant(operator.address, filon.Role.MINE_OPERATOR)
    mine_id = admin.register_mine(operator.address, ROOT, FAR_FUTURE, "PE", ROOT, 10**9)
    admin.set_mine_status(mine_id, filon.MineStatus.SUSPENDED)
    miner_keystore = keystore(tmp_path, operator, "suspended")

    result = filon_cli(
        "lot", "declare", "--mine", str(mine_id), "--fine-gold-g", "1", "--gross-mass-kg", "1",
        "--passport-root", ROOT, "--account", str(miner_keystore),
    )  # fmt: skip

    assert one_error(result) == f"Mine {mine_id} is SUSPENDED, not active: it cannot declare lots."
    assert world.client().lots_of(operator.address) == []


def test_unreachable_rpc(keys: dict[str, Path], filon_cli: Filon) -> None:
    error = one_error(filon_cli("lot", "show", "1", "--rpc", "http://127.0.0.1:9"))

    assert error == "Cannot reach the Ethereum node at http://127.0.0.1:9 (connection refused)."


def _reset(connection: socket.socket) -> None:
    """Reads the request and cuts the connection unanswered (an RST), as a node killed mid-request does."""
    connection.recv(65536)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


@pytest.fixture
def cutting_node() -> Iterator[str]:
    """The URL of a "node" that resets every connection."""
    with serve_socket(_reset) as port:
        yield f"http://127.0.0.1:{port}"


def test_a_cut_connection_is_named_in_words(
    cutting_node: str, world: World, keys: dict[str, Path], tmp_path: Path, filon_cli: Filon
) -> None:
    """requests wraps a cut connection as ("Connection aborted.", ConnectionResetError(104, ...)) or
    ("Connection aborted.", RemoteDisconnected(...)): the CLI's line gives the words inside, and so does the
    index's raw read (the CLI's commands all fail at web3's first request, the chain id). Which of the two a
    client sees depends on when the RST lands (measured: either, on both paths)."""
    url = cutting_node
    manifest = world.deployment.save(tmp_path / "deployment.json")
    sync = (
        "index", "sync", "--rpc", url, "--deployment", str(manifest),
        "--database", f"sqlite:///{tmp_path / 'index.db'}",
    )  # fmt: skip
    either = {
        f"Cannot reach the Ethereum node at {url} (connection reset by peer).",
        f"Cannot reach the Ethereum node at {url} (remote end closed connection without response).",
    }

    for command in (("lot", "show", "1", "--rpc", url), sync):
        assert one_error(filon_cli(*command)) in either
    chain = Chain(url)
    with pytest.raises(filon.RpcUnavailable) as raw, chain.translated():
        chain.batch([("eth_blockNumber", [])])
    assert str(raw.value) in either


def test_missing_rpc_and_missing_deployment(keys: dict[str, Path], tmp_path: Path, filon_cli: Filon) -> None:
    missing = tmp_path / "nowhere.json"

    assert one_error(filon_cli("mine", "show", "1", "--deployment", str(missing))) == (
        f"No deployment manifest at {missing}"
    )
    assert one_error(filon_cli("mine", "show", "1", "--rpc", "")) == (
        "Give --rpc (or FILON_RPC_URL): this command needs the chain"
    )


def test_bad_files_and_values(keys: dict[str, Path], tmp_path: Path, filon_cli: Filon) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"lot": {}, "producer": {"name": ""}}))
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe\x00")
    good = write_passport(tmp_path / "good.json", mine_id=1, fine_mg=1000, gross_mg=2000)
    miner = ("--account", str(keys["miner"]))
    declare = ("lot", "declare", "--mine", "1", *miner)

    assert one_error(filon_cli(*declare, "--passport", str(broken))).startswith(
        f"{broken} is not a valid passport: producer.name: String should have at least 1 character (and "
    )
    assert one_error(filon_cli(*declare, "--passport", str(binary))).startswith(
        f"{binary} is not a valid passport: "
    )
    assert one_error(filon_cli(*declare, "--passport", str(tmp_path / "none.json"))) == (
        f"Cannot read passport {tmp_path / 'none.json'}: No such file or directory"
    )
    assert one_error(filon_cli(*declare, "--passport", str(good), "--document", str(tmp_path / "x.pdf"))) == (
        f"Cannot read document {tmp_path / 'x.pdf'}: No such file or directory"
    )
    assert one_error(filon_cli(*declare, "--passport", str(good), "--fine-gold-g", "2")) == (
        "--fine-gold-g (2000 mg) differs from the passport's quantity (1000 mg)"
    )
    assert (
        usage_error(
            filon_cli(*declare, "--passport-root", ROOT, "--fine-gold-g", "0.0001", "--gross-mass-kg", "1")
        )
        == "Invalid value for '--fine-gold-g': 0.0001 g is more precise than a milligram"
    )
    assert one_error(filon_cli(*declare)) == (
        "Give --passport FILE (or --passport-root HEX with --fine-gold-g and --gross-mass-kg)"
    )
    register = (
        "mine", "register", "--operator", "0x" + "11" * 20, "--permit-hash", ROOT, "--country", "PE",
        "--location-hash", ROOT, "--account", str(keys["registrar"]),
    )  # fmt: skip
    assert usage_error(filon_cli(*register, "--permit-expiry", "next year", "--capacity-kg", "1")) == (
        "Invalid value for '--permit-expiry': 'next year' is not a date (YYYY-MM-DD), a date-time or Unix "
        "seconds"
    )
    assert usage_error(filon_cli(*register, "--permit-expiry", "2099-01-01", "--capacity-kg", "-3")) == (
        "Invalid value for '--capacity-kg': -3 kg is not positive"
    )


def test_keystore_problems(keys: dict[str, Path], tmp_path: Path, filon_cli: Filon) -> None:
    not_a_keystore = tmp_path / "notes.txt"
    not_a_keystore.write_text("hello")
    transfer = ("lot", "transfer", "1", "0x" + "11" * 20, "--account")

    assert one_error(filon_cli(*transfer, str(not_a_keystore))) == (
        f"{not_a_keystore} is not an encrypted keystore file (JSONDecodeError)"
    )
    assert (
        one_error(filon_cli(*transfer, str(tmp_path / "gone.json")))
        == f"No keystore file at {tmp_path / 'gone.json'}"
    )


def test_an_unwritable_store_is_one_clear_line(
    keys: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filon_cli: Filon
) -> None:
    not_a_folder = tmp_path / "store-file"
    not_a_folder.write_text("")
    monkeypatch.setenv("FILON_STORE", str(not_a_folder))
    good = write_passport(tmp_path / "good.json", mine_id=1, fine_mg=1000, gross_mg=2000)

    error = one_error(
        filon_cli("lot", "declare", "--mine", "1", "--passport", str(good), "--account", str(keys["miner"]))
    )

    assert str(not_a_folder) in error
