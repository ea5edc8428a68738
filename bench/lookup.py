"""How long a buyer waits for a lot's provenance, by the number of its ancestors, and how fast the index
follows the chain.

Run: ``make bench`` or ``.venv/bin/python bench/lookup.py``. On one Anvil, builds lots with about 10, 100 and
1,000 ancestors (ore lots merged into doré, in transformations of up to 64 inputs), then:

- ``indexer_events_per_s``: syncs the whole chain (about 3,400 events) from scratch into a fresh SQLite
  index, three times, and records the median events per second under ``sqlite``; again into a throwaway
  PostgreSQL server (tests/servers.py) under ``postgresql`` when Debian's server binaries are installed
  (else it says why and leaves that key out).
- ``lookup_ms``: times the provenance of each lot, 25 times each way, side by side: ``Client.provenance`` —
  a walk over raw RPC logs, one ``eth_getLogs`` per generation of ancestors (``rpc_walk_<N>_p50``/``_p95``) —
  and ``Index.provenance`` — one recursive SQL query and a few lookups, in SQLite (``index_<N>_*``) and, when
  available, PostgreSQL (``index_postgresql_<N>_*``). Every answer is checked equal to the chain's. An
  index keeps the consumed lots it read in memory (``filon.index._consumed``), so ``index_*`` is a lot read
  again (what an explorer serving many buyers mostly does) and ``index_*cold_*`` a lot whose ancestors this
  process never read.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(
    1, str(Path(__file__).resolve().parent.parent / "tests")
)  # servers.py: a throwaway PostgreSQL

import filon
from _results import record
from filon.devchain import dev_accounts, start_anvil
from filon.index import Index, open_index
from filon.index._consumed import ConsumedLots

ROOT = b"\x22" * 32
URI = "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
SIZES = (10, 100, 1_000)
REPEATS = 25
SYNC_RUNS = 3
CHUNK = 64  # the contract's MAX_TRANSFORM_LOTS


def _lot_with_ancestors(miner: filon.Client, mine: filon.MineId, ore_lots: int) -> tuple[filon.LotId, int]:
    """Declares `ore_lots` ore lots and merges them, 64 at a time, into one doré (returned, with its count of
    ancestors)."""
    declared = miner.declare_lots(
        [
            filon.LotDeclaration(
                mine, fine_gold_mg=1_000, gross_mass_mg=2_000, passport_root=ROOT, passport_uri=URI
            )
            for _ in range(ore_lots)
        ]
    )
    generation = list(declared)
    ancestors = len(generation)
    while len(generation) > 1:
        merged = []
        for start in range(0, len(generation), CHUNK):
            inputs = generation[start : start + CHUNK]
            output = filon.LotOutput(
                filon.Form.DORE, fine_gold_mg=1_000 * len(inputs), gross_mass_mg=1_000 * len(inputs)
            )
            merged.extend(miner.transform(inputs, [output], ROOT, URI))
        ancestors += len(merged)
        generation = merged
    return generation[0], ancestors - 1  # the lot itself is not its own ancestor


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _timed_ms(read: Callable[[], object]) -> list[float]:
    read()  # warm up the connection (and the database's cache)
    samples = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        read()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _sync_rate(deployment: filon.Deployment, url: str, databases: Iterator[str]) -> tuple[float, int, str]:
    """Median events/s of `SYNC_RUNS` syncs from scratch, each into a fresh database; the event count; and
    the last database, synced."""
    rates = []
    events = 0
    database = ""
    for _ in range(SYNC_RUNS):
        database = next(databases)
        with open_index(deployment, rpc_url=url, database_url=database) as index:
            started = time.perf_counter()
            report = index.sync()
            rates.append(report.events / (time.perf_counter() - started))
            events = report.events
    return round(statistics.median(rates), 1), events, database


def _cold(index: Index, lot_id: filon.LotId) -> object:
    """The lot's provenance as a process that never read its ancestors reads it: nothing kept in memory."""
    index._consumed = ConsumedLots()
    return index.provenance(lot_id)


@contextlib.contextmanager
def _postgres() -> Iterator[Iterator[str] | None]:
    """Fresh databases on a throwaway PostgreSQL server, or None (having said why) when there is none."""
    import servers

    problem = servers.postgres_problem()
    if problem:
        print(f"indexer_events_per_s.postgresql: skipped, PostgreSQL unavailable: {problem}")
        yield None
        return
    with servers.postgres_server() as dsn:
        yield (servers.create_database(dsn, f"bench_{n}") for n in range(1_000_000))


def main() -> None:
    registrar, miner_key = dev_accounts(2)
    figures: dict[str, float] = {}
    throughput: dict[str, float] = {}
    with start_anvil() as anvil, tempfile.TemporaryDirectory() as folder, _postgres() as postgres:
        deployment = filon.deploy(anvil.url, registrar)
        admin = filon.connect(anvil.url, deployment, registrar)
        admin.register_participant(miner_key.address, filon.Role.MINE_OPERATOR)
        mine = admin.register_mine(miner_key.address, ROOT, 4_000_000_000, "PE", ROOT, 2**39 - 1)
        miner = filon.connect(anvil.url, deployment, miner_key)
        reader = filon.connect(anvil.url, deployment)
        lots = [_lot_with_ancestors(miner, mine, size) for size in SIZES]

        sqlite_files = (f"sqlite:///{folder}/index-{n}.sqlite" for n in range(1_000_000))
        throughput["sqlite"], events, synced = _sync_rate(deployment, anvil.url, sqlite_files)
        print(f"indexer_events_per_s: sqlite {throughput['sqlite']:,} ({events:,} events, from scratch)")
        indexes: dict[str, Index] = {"": open_index(deployment, database_url=synced)}
        if postgres is not None:
            throughput["postgresql"], _, synced = _sync_rate(deployment, anvil.url, postgres)
            print(f"indexer_events_per_s: postgresql {throughput['postgresql']:,}")
            indexes["postgresql_"] = open_index(deployment, database_url=synced)

        for size, (lot_id, ancestors) in zip(SIZES, lots, strict=True):
            on_chain = reader.provenance(lot_id)
            assert len(on_chain.lots) == ancestors + 1, (len(on_chain.lots), ancestors)
            timings = {"rpc_walk_": _timed_ms(lambda lot_id=lot_id: reader.provenance(lot_id))}
            for prefix, index in indexes.items():
                timings[f"index_{prefix}cold_"] = _timed_ms(lambda i=index, lot_id=lot_id: _cold(i, lot_id))
                assert index.provenance(lot_id) == on_chain, f"index {prefix} differs from the chain"
                timings[f"index_{prefix}"] = _timed_ms(lambda i=index, lot_id=lot_id: i.provenance(lot_id))
            shown = []
            for prefix, samples in timings.items():
                p50 = figures[f"{prefix}{size}_p50"] = round(statistics.median(samples), 2)
                p95 = figures[f"{prefix}{size}_p95"] = round(_percentile(samples, 0.95), 2)
                shown.append(f"{prefix.rstrip('_')} p50 {p50} ms, p95 {p95} ms")
            print(f"lookup_ms: {ancestors:>5} ancestors: " + "; ".join(shown))
        for index in indexes.values():
            index.close()
    record("lookup_ms", figures)
    record("indexer_events_per_s", throughput)


if __name__ == "__main__":
    main()
