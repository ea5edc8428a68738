"""The buyers' explorer under load, and a lot page over a 1,025-lot "family tree".

Run: ``make bench`` or ``.venv/bin/python bench/explorer.py`` (``--seconds S`` per load run, ``--runs N``).
On one Anvil it plays a supply chain of 11,040 lots (4 mines each declaring 40 batches of 64 ore lots, each
batch merged into a doré and split into 4 bars; one published passport per batch and step, with its carbon)
and a family tree of 64 lots and 16 rounds (tests/family_tree.py). It indexes the chain into SQLite and, when
Debian's PostgreSQL is installed, into a throwaway PostgreSQL server (tests/servers.py), then, for each
database, `--runs` times (3), starts a fresh ``filon explorer serve`` process (one process, syncing every
2 s) and measures:

- ``family_tree_1025_ms``: the first ``GET /api/lots/{id}`` of a lot whose provenance holds 1,025 lots, on the
  fresh server (nothing cached), then ``family_tree_1025_page_ms``, the first HTML page of it;
- the load: locust, headless, through its library API (bench/_load.py, in its own process), asks
  ``/api/lots/{id}`` and then the HTML page ``/lots/{id}`` with 1, 10 and 50 clients that never pause, in two
  scenarios: every buyer looks at the same bar (the newest refined lot, as everyone opens the demo's bar:
  the issue's scenario, keys ``api_lot_rps_50``, ``page_lot_p95_ms_10``, ...), and each request draws a lot
  at random among the supply chain's 11,040 (nearly every answer a cold read: ``api_lot_random_rps_50``,
  ...). Each gives requests per second, p50/p95/p99 latency, 5xx answers and timeouts (``_postgresql``
  before the client count for PostgreSQL), and the share of a core the generator itself used
  (``generator_cpu_*``).

Each key is the median of the runs. Writes bench/results.json, section ``explorer``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
# servers.py (a throwaway PostgreSQL) and family_tree.py
sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "tests"))

from sqlalchemy import select

import filon
from _results import record
from family_tree import grow_family_tree, passport
from filon.devchain import dev_accounts, start_anvil
from filon.index import open_index
from filon.index._models import LotRow

HERE = Path(__file__).resolve().parent
FILON = Path(sys.executable).parent / "filon"
MINES = 4
BATCHES = 40
BATCH = 64  # the contract's MAX_TRANSFORM_LOTS
BARS = 4
ORE_FINE_MG = 50_000
CLIENTS = (1, 10, 50)
ENDPOINTS = (("api_lot", "/api/lots/{}"), ("page_lot", "/lots/{}"))
HOT = ""  # every buyer looks at one bar (as at the demo's bar, the scenario): the keys without a tag
RANDOM = "_random"  # each request draws a lot among the supply chain's: nearly every answer is a cold read
TREE_FINE_MG = tuple(1_000_000 - 1_000 * r for r in range(17))  # ore, then 16 rounds losing 0.1% each


def _supply_chain(miners: list[filon.Client], batches: int) -> None:
    """Each miner declares `batches` batches of `BATCH` ore lots; each batch becomes a doré, split in bars."""
    for number, miner in enumerate(miners, start=1):
        mine = filon.MineId(number)
        for batch in range(batches):
            ore = filon.prepare_passport(
                passport(mine, f"mine {number} batch {batch}", ORE_FINE_MG, 1.5), miner.store
            )
            lots = miner.declare_lots(
                [
                    filon.LotDeclaration(
                        mine,
                        fine_gold_mg=ORE_FINE_MG,
                        gross_mass_mg=40 * ORE_FINE_MG,
                        passport_root=ore.root,
                        passport_uri=ore.uri,
                        external_ref=f"M{number}-B{batch:02}-{index:02}",
                    )
                    for index in range(BATCH)
                ]
            )
            dore_fine = BATCH * ORE_FINE_MG * 95 // 100
            dore = filon.prepare_passport(passport(mine, "dore", dore_fine, 30.0, inputs=BATCH), miner.store)
            (dore_id,) = miner.transform(
                lots, [filon.LotOutput(filon.Form.DORE, dore_fine, dore_fine + 1_000)], dore.root, dore.uri
            )
            bar_fine = dore_fine * 99 // 100 // BARS
            bar = filon.prepare_passport(passport(mine, "bar", bar_fine, 2.0, inputs=1), miner.store)
            miner.transform(
                [dore_id], [filon.LotOutput(filon.Form.REFINED, bar_fine, bar_fine)] * BARS, bar.root, bar.uri
            )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get_ms(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()
        assert response.status == 200, response.status
    return (time.perf_counter() - started) * 1000


@contextlib.contextmanager
def _explorer(manifest: Path, rpc: str, store: Path, database: str) -> Iterator[str]:
    """A fresh `filon explorer serve` process over `database`; yields its base URL."""
    port = _free_port()
    command = ["explorer", "serve", "--deployment", str(manifest), "--rpc", rpc, "--store", str(store)]
    server = subprocess.Popen(
        [str(FILON), *command, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "FILON_DATABASE_URL": database},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status", timeout=5):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the explorer did not start: {server.communicate()[1]}") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=60)
        if "Traceback" in errors:
            print(errors, file=sys.stderr)


def _load(base: str, path: str, lots_file: Path, clients: int, seconds: float) -> dict[str, float]:
    command = [sys.executable, str(HERE / "_load.py"), base, path, str(lots_file), str(clients), str(seconds)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 120)
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _measure(
    manifest: Path,
    rpc: str,
    store: Path,
    database: str,
    suffix: str,
    tree_lot: int,
    hot_file: Path,
    lots_file: Path,
    args: argparse.Namespace,
) -> dict[str, float]:
    runs: dict[str, list[float]] = {}
    for run in range(args.runs):
        with _explorer(manifest, rpc, store, database) as base:
            first_api = _get_ms(f"{base}/api/lots/{tree_lot}")
            runs.setdefault(f"family_tree_1025{suffix}_ms", []).append(first_api)
            first_page = _get_ms(f"{base}/lots/{tree_lot}")
            runs.setdefault(f"family_tree_1025_page{suffix}_ms", []).append(first_page)
            for scenario, drawn_from in ((HOT, hot_file), (RANDOM, lots_file)):
                for name, path in ENDPOINTS:
                    for clients in CLIENTS:
                        figures = _load(base, path, drawn_from, clients, args.seconds)
                        print(f"  run {run + 1} {name}{scenario}{suffix} x{clients}: {figures}", flush=True)
                        for key, value in figures.items():
                            if key in ("requests", "other_failures"):
                                continue
                            label = {"rps": "rps", "fail_5xx": "5xx", "timeouts": "timeouts"}.get(key, key)
                            label = label.replace("generator_cpu_share", "generator_cpu")
                            runs.setdefault(f"{name}{scenario}_{label}{suffix}_{clients}", []).append(value)
    return {key: round(statistics.median(values), 1) for key, values in runs.items()}


@contextlib.contextmanager
def _postgres(wanted: bool) -> Iterator[str | None]:
    import servers

    problem = servers.postgres_problem() if wanted else "left out (--sqlite-only)"
    if problem:
        print(f"explorer (PostgreSQL): skipped, PostgreSQL unavailable: {problem}")
        yield None
        return
    with servers.postgres_server() as dsn:
        yield servers.create_database(dsn, "bench_explorer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds of each load run")
    parser.add_argument("--runs", type=int, default=3, help="fresh explorers per database (the median)")
    parser.add_argument("--batches", type=int, default=BATCHES, help="batches of 64 ore lots per mine")
    parser.add_argument("--sqlite-only", action="store_true", help="leave PostgreSQL out")
    args = parser.parse_args()
    registrar_key, *miner_keys = dev_accounts(1 + MINES)
    figures: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory() as folder,
        start_anvil() as anvil,
        _postgres(not args.sqlite_only) as postgres,
    ):
        root = Path(folder)
        store = root / "store"
        deployment = filon.deploy(anvil.url, registrar_key)
        manifest = deployment.save(root / "deployment.json")
        registrar = filon.connect(anvil.url, deployment, registrar_key)
        miners = []
        for key in miner_keys:
            registrar.register_participant(key.address, filon.Role.MINE_OPERATOR)
            registrar.register_mine(key.address, b"\x01" * 32, 4_000_000_000, "PE", b"\x02" * 32, 2**39 - 1)
            miners.append(filon.connect(anvil.url, deployment, key, store=store))
        started = time.perf_counter()
        _supply_chain(miners, args.batches)
        tree = grow_family_tree(
            miners[0], filon.MineId(1), width=BATCH, fine_mg=TREE_FINE_MG, ore_kg_co2e=1.0, round_kg_co2e=0.1
        )
        print(f"chain played in {time.perf_counter() - started:.0f} s", flush=True)
        databases = {"": f"sqlite:///{root / 'index.sqlite'}"}
        if postgres is not None:
            databases["_postgresql"] = postgres
        for suffix, database in databases.items():
            with open_index(deployment, rpc_url=anvil.url, database_url=database) as index:
                index.sync()
                assert len(index.ancestry(tree.youngest).representative) == 1_025
                tree_lots = {lot for generation in tree.generations for lot in generation}
                with index.engine.connect() as connection:
                    ids = [i for i in connection.scalars(select(LotRow.id)) if i not in tree_lots]
                    bar = max(connection.scalars(select(LotRow.id).where(LotRow.form == filon.Form.REFINED)))
            lots = len(ids)
            lots_file = root / "lots.txt"
            lots_file.write_text("\n".join(map(str, ids)))
            hot_file = root / "hot.txt"
            hot_file.write_text(str(bar))
            print(f"explorer{suffix}: {lots:,} supply-chain lots (and the tree's)", flush=True)
            measured = _measure(
                manifest, anvil.url, store, database, suffix, tree.youngest, hot_file, lots_file, args
            )
            figures.update(measured)
            figures[f"lots_indexed{suffix}"] = lots
    for key, value in sorted(figures.items()):
        print(f"explorer.{key}: {value}")
    record("explorer", figures)


if __name__ == "__main__":
    main()
