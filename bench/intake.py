"""Rows per second of a plant's ore-intake ledger through `filon lot declare --from-csv`: batched versus
row by row, on a chain with 1 s blocks.

Run: ``make bench`` or ``.venv/bin/python bench/intake.py``. Starts one Anvil mining a block every second
(closer to a real chain than automining: a row's declaration waits for its block), deploys FilonLots,
registers a mine, then runs the command in process, as an operator would, on ledgers whose every row cites a
document (so each row's passport is built, its document and package stored and its salts kept):

- batched: ``--batch 50`` (the default), ``BATCHED_ROWS`` rows, 3 runs;
- row by row: ``--batch 1``, ``ROW_BY_ROW_ROWS`` rows (each waits about a block), 3 runs.

Each run has its own external references, so nothing is already declared. Writes to bench/results.json,
section ``intake``: ``csv_rows_per_s_batched`` and ``csv_rows_per_s_row_by_row`` (median of the 3 runs),
``batched_over_row_by_row``, and the rows and batch size used.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parent))

import filon
from _results import record
from filon._cli import cli
from filon._cli._common import run
from filon.devchain import dev_accounts, start_anvil

BLOCK_TIME_S = 1
BATCH = 50
BATCHED_ROWS = 100
ROW_BY_ROW_ROWS = 20
RUNS = 3
PASSWORD = "bench"
PERMIT_PDF = b"%PDF-1.7 mining permit REINFO-2024-1187"


def _import(command: list[str], ledger: Path, prefix: str, rows: int, mine_id: int) -> float:
    """Rows declared per second by one run of the command over a fresh ledger of `rows` rows."""
    ledger.write_text(
        "mine_id,gross_mass_kg,grade_g_per_t,date,external_ref,documents\n"
        + "".join(f"{mine_id},{100 + i},20,2026-11-02,{prefix}-{i:04},permit.pdf\n" for i in range(rows))
    )
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = run(cli, [*command, "--json"])
    elapsed = time.perf_counter() - started
    report = json.loads(out.getvalue())
    assert code == 0 and len(report["declared"]) == rows, (code, report)
    return rows / elapsed


def main() -> None:
    registrar_key, miner_key = dev_accounts(2)
    with start_anvil(block_time=BLOCK_TIME_S) as anvil, tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        deployment = filon.deploy(anvil.url, registrar_key)
        registrar = filon.connect(anvil.url, deployment, registrar_key)
        registrar.register_participant(miner_key.address, filon.Role.MINE_OPERATOR)
        mine_id = registrar.register_mine(
            operator=miner_key.address,
            permit_hash=b"\x0a" * 32,
            permit_expiry=int(time.time()) + 10 * 365 * 86_400,
            country="PE",
            location_hash=b"\x0b" * 32,
            capacity_mg=2**39 - 1,
        )
        keystore = work / "miner.json"
        keystore.write_text(
            json.dumps(Account.encrypt(miner_key.key, PASSWORD, kdf="pbkdf2", iterations=1000))
        )
        (work / "permit.pdf").write_bytes(PERMIT_PDF)
        manifest = deployment.save(work / "deployment.json")
        os.environ["FILON_ACCOUNT_PASSWORD"] = PASSWORD
        os.environ["FILON_STORE"] = str(work / "store")
        ledger = work / "intake.csv"
        command = ["lot", "declare", "--from-csv", str(ledger), "--rpc", anvil.url]
        command += ["--deployment", str(manifest), "--account", str(keystore)]

        figures: dict[str, float | int] = {}
        for name, batch, rows in (("batched", BATCH, BATCHED_ROWS), ("row_by_row", 1, ROW_BY_ROW_ROWS)):
            rates = [
                _import([*command, "--batch", str(batch)], ledger, f"{name}-{n}", rows, mine_id)
                for n in range(RUNS)
            ]
            figures[f"csv_rows_per_s_{name}"] = round(statistics.median(rates), 2)
            print(f"intake: {name} (--batch {batch}, {rows} rows): " + ", ".join(f"{r:.2f}" for r in rates))
    figures["batched_over_row_by_row"] = round(
        figures["csv_rows_per_s_batched"] / figures["csv_rows_per_s_row_by_row"], 2
    )
    figures |= {"batch": BATCH, "rows_batched": BATCHED_ROWS, "rows_row_by_row": ROW_BY_ROW_ROWS}
    figures["block_time_s"] = BLOCK_TIME_S
    print(f"intake: batched / row by row = {figures['batched_over_row_by_row']}x")
    record("intake", figures)


if __name__ == "__main__":
    main()
