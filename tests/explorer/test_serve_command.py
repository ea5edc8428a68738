"""`filon explorer serve` as an operator runs it: a real process on a loopback port, stopped with Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from filon._cli._rules import flag_rules
from filon.index import FlagRules

from .conftest import Explored

FILON = Path(sys.executable).parent / "filon"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _first_answer(url: str) -> tuple[int, bytes]:
    """`_get(url)` once the server listens (it starts listening after its first sync)."""
    deadline = time.monotonic() + 15
    while True:
        try:
            return _get(url)
        except (ConnectionError, urllib.error.URLError):
            assert time.monotonic() < deadline, "the explorer did not answer in time"
            time.sleep(0.1)


def _serve(explored: Explored, tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    manifest = explored.deployment.save(tmp_path / "deployment.json")
    command = ["explorer", "serve", "--deployment", str(manifest), "--store", str(explored.store.path), *args]
    return subprocess.Popen(
        [str(FILON), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "FILON_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite'}"},
    )


def test_serve_syncs_then_answers_until_ctrl_c(explored: Explored, tmp_path: Path) -> None:
    port = _free_port()
    server = _serve(explored, tmp_path, "--rpc", explored.rpc_url, "--port", str(port))
    assert server.stdout is not None
    try:
        head = explored.web3.eth.block_number
        synced = server.stdout.readline()
        assert synced.startswith(f"Index sqlite:///{tmp_path / 'served.sqlite'}: blocks up to {head} ("), (
            synced
        )
        listening = server.stdout.readline()
        assert listening == f"Explorer on http://127.0.0.1:{port}/ (Ctrl-C stops it)\n"
        status, body = _first_answer(f"http://127.0.0.1:{port}/api/status")
        assert status == 200
        assert json.loads(body)["last_block"] == head
        status, body = _get(f"http://127.0.0.1:{port}/api/lots/{explored.bar}")
        assert status == 200
        assert [mine["id"] for mine in json.loads(body)["mines"]] == [1, 2, 3, 4]
        status, body = _get(f"http://127.0.0.1:{port}/api/lots/7")
        assert (status, json.loads(body)) == (404, {"detail": "No lot has id 7."})
    finally:
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "Traceback" not in out + err


def test_a_busy_port_is_one_line_before_any_sync(explored: Explored, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = _serve(explored, tmp_path, "--rpc", explored.rpc_url, "--port", str(port))
        out, err = server.communicate(timeout=60)
    assert (server.returncode, out) == (1, "")
    assert err == (
        f"Error: Cannot listen on 127.0.0.1:{port}: Address already in use (choose another --port)\n"
    )
    assert not (tmp_path / "served.sqlite").exists()


def test_thresholds_the_flags_refuse_are_one_line_before_any_sync(explored: Explored, tmp_path: Path) -> None:
    server = _serve(
        explored,
        tmp_path,
        "--rpc",
        explored.rpc_url,
        "--port",
        str(_free_port()),
        "--rule",
        "recovery_band=0.9,1.2",
    )
    out, err = server.communicate(timeout=60)
    assert (server.returncode, out) == (1, "")
    assert err == (
        "Error: --rule: recovery_band is (lowest, highest) with 0 <= lowest <= highest <= 1, not (0.9, 1.2)\n"
    )
    assert not (tmp_path / "served.sqlite").exists()


def test_a_rule_sets_any_threshold_and_the_last_one_wins() -> None:
    settings = (("assay_tolerance", 0.05), ("loss_band", (0.0, 0.2)), ("assay_tolerance", 0.07))
    assert flag_rules(10.0, 12, settings) == FlagRules(
        loss_band=(0.0, 0.2), idle_days=12, assay_tolerance=0.07
    )
    assert flag_rules(10.0, 30, ()) == FlagRules()


def test_without_rpc_it_serves_the_index_read_only(explored: Explored, tmp_path: Path) -> None:
    port = _free_port()
    server = _serve(explored, tmp_path, "--port", str(port))
    assert server.stdout is not None
    try:
        assert server.stdout.readline() == (
            f"Index sqlite:///{tmp_path / 'served.sqlite'} (read-only: no --rpc, so it is not synced)\n"
        )
        assert server.stdout.readline() == f"Explorer on http://127.0.0.1:{port}/ (Ctrl-C stops it)\n"
        status, body = _first_answer(f"http://127.0.0.1:{port}/api/lots/{explored.bar}")
        assert (status, json.loads(body)) == (404, {"detail": f"No lot has id {explored.bar}."})
    finally:
        server.send_signal(signal.SIGINT)
        _, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
