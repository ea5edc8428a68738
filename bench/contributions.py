"""How long each mine's share of a lot takes through the index, for a lot with 1,024 ancestors from 4 mines.

Run: ``make bench`` or ``.venv/bin/python bench/contributions.py``. On one Anvil, four mines declare 16 ore
lots each (64 lots, each of its own fine gold, so the shares are fractions with large denominators), hand them
to a plant, which runs 16 rounds of one transformation of all 64 lots into 64 new ones: the first output of
the last round has 1,024 ancestors (tests/family_tree.py's shape, with four mines instead of one). Then:

- ``index_1024_ancestors_p50_ms``/``_p95_ms``: ``Index.contributions`` of that lot, 25 times after a warm-up,
  on SQLite (one recursive query and the exact mixing of 16 transformations);
- ``rpc_walk_1024_ancestors_p50_ms``: ``Client.contributions``, the same from the chain's logs (5 reads).

Every answer is checked equal to the chain's first. Writes bench/results.json, section ``contributions``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eth_account.signers.local import LocalAccount

import filon
from _results import record
from filon.devchain import dev_accounts, start_anvil
from filon.index import open_index

ROOT = b"\x22" * 32
URI = "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
MINES = 4
WIDTH = 64  # the contract's MAX_TRANSFORM_LOTS
ROUNDS = 16
REPEATS = 25


def _timed_ms(read: Callable[[], object], repeats: int) -> list[float]:
    read()  # warm up the connection and the database's cache
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        read()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _tree(
    url: str, deployment: filon.Deployment, registrar: filon.Client, keys: list[LocalAccount]
) -> filon.LotId:
    """The four mines' ore, then 16 rounds of 64 lots into 64 at the plant; the deepest lot."""
    *miner_keys, plant_key = keys
    registrar.register_participant(plant_key.address, filon.Role.PROCESSOR)
    plant = filon.connect(url, deployment, plant_key)
    generation: list[filon.LotId] = []
    for number, key in enumerate(miner_keys, start=1):
        registrar.register_participant(key.address, filon.Role.MINE_OPERATOR)
        mine = registrar.register_mine(key.address, ROOT, 4_000_000_000, "PE", ROOT, 2**39 - 1)
        miner = filon.connect(url, deployment, key)
        declared = miner.declare_lots(
            [
                filon.LotDeclaration(mine, 10_000 + 97 * number + 13 * i, 40_000, ROOT, URI)
                for i in range(WIDTH // MINES)
            ]
        )
        for lot in declared:
            miner.transfer(lot, plant_key.address)
        generation += declared
    fine = sum(plant.lot(lot).fine_gold_mg for lot in generation)
    for _ in range(ROUNDS):
        fine = fine * 99 // 100
        each = fine // WIDTH
        outputs = [filon.LotOutput(filon.Form.DORE, each + (i % 7), 2 * each) for i in range(WIDTH)]
        fine = sum(output.fine_gold_mg for output in outputs)
        generation = plant.transform(generation, outputs, ROOT, URI)
    return generation[0]


def main() -> None:
    registrar_key, *keys = dev_accounts(2 + MINES)
    figures: dict[str, float] = {}
    with start_anvil() as anvil, tempfile.TemporaryDirectory() as folder:
        deployment = filon.deploy(anvil.url, registrar_key)
        registrar = filon.connect(anvil.url, deployment, registrar_key)
        lot = _tree(anvil.url, deployment, registrar, keys)
        reader = filon.connect(anvil.url, deployment)
        on_chain = reader.contributions(lot)
        assert len(reader.provenance(lot).lots) == WIDTH * ROUNDS + 1
        with open_index(
            deployment, rpc_url=anvil.url, database_url=f"sqlite:///{folder}/index.sqlite"
        ) as index:
            index.sync()
            assert index.contributions(lot) == on_chain, "the index differs from the chain"
            samples = _timed_ms(lambda: index.contributions(lot), REPEATS)
        figures["index_1024_ancestors_p50_ms"] = round(statistics.median(samples), 2)
        figures["index_1024_ancestors_p95_ms"] = round(_percentile(samples, 0.95), 2)
        walk = _timed_ms(lambda: reader.contributions(lot), 5)
        figures["rpc_walk_1024_ancestors_p50_ms"] = round(statistics.median(walk), 2)
    shares = ", ".join(f"mine {part.mine_id} {float(part.share):.6f}" for part in on_chain)
    print(f"contributions of lot {lot} ({WIDTH * ROUNDS} ancestors): {shares}")
    for key, value in sorted(figures.items()):
        print(f"contributions.{key}: {value}")
    record("contributions", figures)


if __name__ == "__main__":
    main()
