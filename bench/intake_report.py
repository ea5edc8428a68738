"""How long a plant's intake report for a year of 10,000 ore lots takes through the index, on SQLite.

Run: ``.venv/bin/python bench/intake_report.py``. On one Anvil, a registrar admits a plant and four miners and
registers their mines (the real chain, synced into the index). Then the year's lots go straight into the
index's tables, as the sync would have written them (one block per lot, spread over 2027, each with its
declaration, its mint, its transfer to the plant and two passport versions), and each lot's latest passport
(schema 1.1, with a receipt) into a document store: declaring 10,000 lots through a node would time the node,
not the report. Then ``intake_report`` over 2027-01-01 to 2027-12-31, 5 times after a warm-up:

- ``year_10000_lots_p50_s``/``_p95_s``: the whole report (one query for the lots received, one for their
  latest passports, and each lot's receipt read from its package and checked against its root).

The report's totals are checked against what went in. Writes bench/results.json, section ``intake_report``.
"""

from __future__ import annotations

import datetime
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import filon
from _results import record
from filon._passports import prepare_passport
from filon.devchain import dev_accounts, start_anvil
from filon.index import open_index
from filon.index._database import insert_rows
from filon.index._intake import day_start, intake_report
from filon.index._models import IndexedBlock, LotRow, PassportRow, TransferRow
from filon.passport import Assay, Facility, Party, Quantity, Receipt

LOTS = 10_000
MINES = 4
REPEATS = 5
FIRST, LAST = datetime.date(2027, 1, 1), datetime.date(2027, 12, 31)
ZERO = "0x" + "00" * 20
FAR_FUTURE = 4_000_000_000


def _passport(lot: int, mine: int) -> filon.Passport:
    wet = 1_000_000_000 + lot  # about a tonne of ore, each lot its own package
    return filon.Passport(
        lot=filon.LotReference(batch_id=f"Y-{lot}"),
        producer=Party(name=f"Mine {mine}"),
        facility=Facility(mine_id=mine, name=f"Mine {mine}", country="PE", region="Ayacucho"),
        production_date=datetime.date(2027, 1, 1),
        quantity=Quantity(gross_mass_mg=wet, fineness_ppt=0.01, fine_gold_mg=10_000),
        receipt=Receipt(
            received_on=datetime.date(2027, 1, 1),
            wet_mass_mg=wet,
            moisture_pct=8,
            dry_mass_mg=round(wet * 0.92),
            sample=Assay(lab="SGS Lima", grade_g_t=10.5),
            counter_sample=Assay(lab="ALS Lima", grade_g_t=9.5),
        ),
    )


def _rows(
    first_block: int, plant: str, miners: list[str], store: filon.DocumentStore
) -> dict[Any, list[Any]]:
    """The index rows of the year's lots: lot `i` in block `first_block + i`, its time spread over 2027."""
    start, span = day_start(FIRST), day_start(LAST) + 86_400 - day_start(FIRST)
    rows: dict[Any, list[Any]] = {IndexedBlock: [], LotRow: [], TransferRow: [], PassportRow: []}
    for i in range(LOTS):
        lot, block, mine = i + 1, first_block + i, i % MINES + 1
        prepared = prepare_passport(_passport(lot, mine), store)
        tx = lot.to_bytes(32, "big")
        rows[IndexedBlock].append({"number": block, "hash": tx, "timestamp": start + span * i // LOTS})
        rows[LotRow].append(
            {
                "id": lot, "block_number": block, "log_index": 0, "transaction_hash": tx, "form": 0,
                "fine_gold_mg": 10_000, "gross_mass_mg": 1_000_000_000 + lot, "mine_id": mine,
                "issuer": miners[mine - 1], "external_ref": f"Y-{lot}",
            }
        )  # fmt: skip
        for log, (sender, to) in enumerate(((ZERO, miners[mine - 1]), (miners[mine - 1], plant)), start=1):
            rows[TransferRow].append(
                {
                    "block_number": block, "log_index": log, "transaction_hash": tx, "lot_id": lot,
                    "from_address": sender, "to_address": to,
                }
            )  # fmt: skip
        for version, (root, uri) in enumerate(((b"\x01" * 32, ""), (prepared.root, prepared.uri)), start=1):
            rows[PassportRow].append(
                {
                    "lot_id": lot, "version": version, "block_number": block, "log_index": 2 + version,
                    "transaction_hash": tx, "root": root, "uri": uri,
                }
            )  # fmt: skip
    return rows


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    registrar_key, plant_key, *miner_keys = dev_accounts(2 + MINES)
    figures: dict[str, float] = {}
    with start_anvil() as anvil, tempfile.TemporaryDirectory() as folder:
        deployment = filon.deploy(anvil.url, registrar_key)
        registrar = filon.connect(anvil.url, deployment, registrar_key)
        registrar.register_participant(plant_key.address, filon.Role.PROCESSOR)
        for key in miner_keys:
            registrar.register_participant(key.address, filon.Role.MINE_OPERATOR)
            registrar.register_mine(key.address, b"\x01" * 32, FAR_FUTURE, "PE", b"\x02" * 32, 10**9)
        store = filon.DocumentStore(Path(folder) / "store")
        with open_index(
            deployment, rpc_url=anvil.url, database_url=f"sqlite:///{folder}/index.sqlite"
        ) as index:
            index.sync()
            built = time.perf_counter()
            rows = _rows(index.last_block + 1, plant_key.address, [key.address for key in miner_keys], store)
            with index._database.session() as session:
                for model, values in rows.items():
                    insert_rows(session, model, values)
                session.commit()
            print(f"{LOTS} lots and their packages written in {time.perf_counter() - built:.1f} s")
            report = intake_report(index, store, plant_key.address, FIRST, LAST)  # warm-up
            assert [row.lots for row in report.rows] == [LOTS // MINES] * MINES, report.rows
            assert sum(row.fine_gold_mg for row in report.rows) == 10_000 * LOTS
            assert all(row.average_grade_g_t == 10.0 and not row.flags for row in report.rows), report.rows
            samples = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                intake_report(index, store, plant_key.address, FIRST, LAST)
                samples.append(time.perf_counter() - started)
    figures["year_10000_lots_p50_s"] = round(statistics.median(samples), 3)
    figures["year_10000_lots_p95_s"] = round(_percentile(samples, 0.95), 3)
    for key, value in sorted(figures.items()):
        print(f"intake_report.{key}: {value}")
    record("intake_report", figures)


if __name__ == "__main__":
    main()
