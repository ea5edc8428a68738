"""`scripts/demo.py` (what `make demo` runs) as a newcomer runs it: twice, stopped with Ctrl-C each time."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

import _scenario as sc  # loaded by its path in tests/conftest.py
import filon
from filon.devchain import DEV_MNEMONIC, dev_accounts, find_anvil

DEMO = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_until_ctrl_c(
    env: dict[str, str], cwd: Path, timeout: float = 120.0, while_running: Callable[[str], None] | None = None
) -> tuple[int, str]:
    """Runs the demo, waits for its "Ctrl-C" line, calls `while_running` with the output so far, sends SIGINT;
    returns its exit code and whole output."""
    process = subprocess.Popen(
        [sys.executable, str(DEMO)],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    output: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail("the demo did not print its Ctrl-C line in time:\n" + "".join(output))
            if line is None:
                pytest.fail("the demo exited before its Ctrl-C line:\n" + "".join(output))
            output.append(line)
            if "Ctrl-C" in line:
                break
        if while_running is not None:
            while_running("".join(output))
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=20)
        while (line := lines.get(timeout=5)) is not None:
            output.append(line)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return code, "".join(output)


def test_demo_plays_once_then_reuses_its_chain(tmp_path: Path) -> None:
    data = tmp_path / "demo-data"
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "FILON_DEMO_DIR": str(data),
        "FILON_DEMO_PORT": str(_free_port()),
        "FILON_EXPLORER_PORT": str(_free_port()),
        "FILON_ANVIL": str(find_anvil()),
    }
    env.pop("FILON_STORE", None)

    pages: list[str] = []

    def open_the_bar_page(output: str) -> None:
        for name in ("Explorer ", "Plant dashboard "):  # the bar's page, then the plant's dashboard
            url = next(
                line.removeprefix(name).split()[0] for line in output.splitlines() if line.startswith(name)
            )
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
                pages.append(response.read().decode())

    code, first = _run_until_ctrl_c(env, tmp_path, while_running=open_the_bar_page)

    assert code == 0, first
    assert "Traceback" not in first
    assert "(deployed now, block 1)" in first
    assert "Registrar registers four permitted mines:" in first
    assert "is refused: Mine 4 is SUSPENDED, not active: it cannot declare lots." in first
    assert "Buyer's view of bar #501: 100.000 g of fine gold" in first
    assert "held by Orfebrería Miraflores S.A.C." in first
    assert (
        "Registrar publishes who is who" in first
        and "4 participants (the miners stay confidential) and 4 mines named" in first
    )
    assert "Documents: 3 of 3 match" in first
    assert "Carbon: 1184.5 kg CO2e" in first
    assert "it weighs each (6 % moisture) and records its sample and counter-sample assays" in first
    assert "    #1 Santa Rosa de Chaparra: 41.306 g (41.31%)" in first  # the bar's producers
    assert first.rstrip().endswith("Stopped.")
    assert f"Explorer         http://127.0.0.1:{env['FILON_EXPLORER_PORT']}/lots/501 " in first
    page, dashboard = pages
    plant = sc.Cast.dev().plant.address
    assert f"Plant dashboard  http://127.0.0.1:{env['FILON_EXPLORER_PORT']}/plants/{plant} " in first
    assert 'class="chart intake"' in dashboard and "92.9 % recovered" in dashboard
    assert "Lot 501" in page and "ORIGIN_SUSPENDED" in page
    assert "Orfebrería Miraflores S.A.C.</a> (manufacturer)" in page and "Huanca (Ayacucho), mine 4" in page
    assert "Conformity credentials" in page and ">Assay</a>" in page and "conforms" in page
    laboratory = sc.Cast.dev().laboratory.address
    assert f"Status list      http://127.0.0.1:{env['FILON_EXPLORER_PORT']}/status/{laboratory} " in first
    assert (data / "index.sqlite").is_file()
    assert (data / "anvil-state.json").is_file() and (data / "deployment.json").is_file()
    # Each party wrote in its own folder and uploaded to the explorer's store, which holds the 5 documents
    # published passports cite (the miners' 8 permits and CRAFT reports are confidential: they stay on the
    # miners' machines), the 10 published packages (5 ore lots, the doré, the refining batch, 3 bars), the
    # plant's 5 receipts (each ore lot's second passport) with their 5 confidential layers, the ore lots' 5
    # confidential layers, 11 grant files (5 from the miners to the plant, 6 from the plant to the refiner:
    # the doré and its 5 ore lots), the laboratory's check assay report and credential, and the registrar's
    # records of 4 participants and 4 mines; the buyer read them into its own, empty, folder.
    assert f"Shared store     http://127.0.0.1:{env['FILON_EXPLORER_PORT']}/ipfs/ " in first
    shared = filon.DocumentStore(data / "explorer-store")
    assert len(list(shared.cids())) == 5 + 10 + 5 + 5 + 5 + 11 + 2 + 4 + 4 and shared.verify() == []
    parties = sorted(path.name for path in (data / "parties").iterdir())
    assert parties == [  # the jeweller wrote no document
        "buyer",
        "laboratory",
        "miner-cerro-rico",
        "miner-huanca",
        "miner-santa-rosa",
        "miner-virgen-del-carmen",
        "plant",
        "refiner",
        "registrar",
    ]
    assert not list((data / "parties" / "buyer").glob("salts"))
    assert list((data / "parties" / "miner-santa-rosa" / "salts").rglob("*.json"))

    env["FILON_DEMO_PORT"] = str(_free_port())
    code, second = _run_until_ctrl_c(env, tmp_path)

    assert code == 0, second
    assert "found from the last run: scenario not replayed" in second
    assert "deployed now" not in second and "Registrar registers" not in second
    assert "Buyer's view of bar #501" in second and "Documents: 3 of 3 match" in second
    assert second.rstrip().endswith("Stopped.")

    # No key the demo uses (Anvil's ten development accounts, or the mnemonic they come from), as hex with
    # or without 0x in either case, in what it printed (stdout and stderr together) or in any file it or
    # its Anvil left behind: the demo folder (state, manifest, store, salts, index) and the home folder.
    _assert_no_secret("printed output", (first + second).encode())
    written = [path for path in sorted(tmp_path.rglob("*")) if path.is_file()]
    assert {data / "anvil-state.json", data / "deployment.json", data / "index.sqlite"} <= set(written)
    for path in written:
        _assert_no_secret(str(path), path.read_bytes())


def _assert_no_secret(where: str, data: bytes) -> None:
    text = data.lower()
    assert DEV_MNEMONIC.encode() not in text, f"the development mnemonic is in {where}"
    for account in dev_accounts(10):
        bare = bytes(account.key).hex().encode()
        for form in (bare, b"0x" + bare):
            assert form not in text, f"the private key of {account.address} is in {where}"
        assert bytes(account.key) not in data, f"the private key of {account.address} is in {where} (raw)"
