"""How long a buyer waits for a lot's provenance, by the number of its ancestors.

Run: ``make bench`` or ``.venv/bin/python bench/lookup.py``. On one Anvil, for a lot with about 10, 100 and
1,000 ancestors (ore lots merged into doré, in transformations of up to 64 inputs), times
``Client.provenance`` — a walk over raw RPC logs, one ``eth_getLogs`` per generation of ancestors — and
writes the p50 and p95 in milliseconds to bench/results.json under ``lookup_ms.rpc_walk_<N>_p50`` and
``_p95``. The explorer's index adds ``lookup_ms.index_<N>_*`` beside them when it lands.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import filon
from _results import record
from filon.devchain import dev_accounts, start_anvil

ROOT = b"\x22" * 32
URI = "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
SIZES = (10, 100, 1_000)
REPEATS = 25
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


def main() -> None:
    registrar, miner_key = dev_accounts(2)
    figures: dict[str, float] = {}
    with start_anvil() as anvil:
        deployment = filon.deploy(anvil.url, registrar)
        admin = filon.connect(anvil.url, deployment, registrar)
        admin.register_participant(miner_key.address, filon.Role.MINE_OPERATOR)
        mine = admin.register_mine(miner_key.address, ROOT, 4_000_000_000, "PE", ROOT, 2**39 - 1)
        miner = filon.connect(anvil.url, deployment, miner_key)
        reader = filon.connect(anvil.url, deployment)
        for size in SIZES:
            lot_id, ancestors = _lot_with_ancestors(miner, mine, size)
            reader.provenance(lot_id)  # warm up the connection
            samples = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                provenance = reader.provenance(lot_id)
                samples.append((time.perf_counter() - started) * 1000)
            assert len(provenance.lots) == ancestors + 1, (len(provenance.lots), ancestors)
            figures[f"rpc_walk_{size}_p50"] = round(statistics.median(samples), 2)
            figures[f"rpc_walk_{size}_p95"] = round(_percentile(samples, 0.95), 2)
            p50, p95 = figures[f"rpc_walk_{size}_p50"], figures[f"rpc_walk_{size}_p95"]
            print(f"lookup_ms: {ancestors:>5} ancestors, p50 {p50} ms, p95 {p95} ms")
    record("lookup_ms", figures)


if __name__ == "__main__":
    main()
