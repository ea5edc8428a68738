"""Lots declared per second through the `filon` client: pipelined batch versus send-and-wait.

Run: ``python bench/throughput.py`` (``--lots N``, ``--block-time S`` for interval mining). Starts one
Anvil, deploys FilonLots, registers a mine with ample capacity, then, in the same run:

- pipelined: ``Client.declare_lots`` with N declarations (estimated, signed and sent without waiting
  for receipts, then all receipts awaited and checked);
- sequential: N calls to ``Client.declare_lot``, each waiting for its receipt.

Every lot carries a realistic passport URI and external reference. Writes to bench/results.json, section
``throughput``: ``declare_lots_per_s_pipelined``, ``declare_lots_per_s_sequential`` and
``pipelined_over_sequential`` (with ``_block_time_<S>s`` appended to every key under ``--block-time``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import filon
from _results import record
from filon.devchain import dev_accounts, start_anvil

URI = "ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
FINE_GOLD_MG = 250_000  # a quarter of a kilogram of fine gold per ore lot
GROSS_MASS_MG = 40_000_000  # in 40 kg of ore


def _declarations(mine_id: filon.MineId, prefix: str, count: int) -> list[filon.LotDeclaration]:
    return [
        filon.LotDeclaration(
            mine_id=mine_id,
            fine_gold_mg=FINE_GOLD_MG,
            gross_mass_mg=GROSS_MASS_MG,
            passport_root=(i + 1).to_bytes(32, "big"),  # distinct and never zero
            passport_uri=URI,
            external_ref=f"{prefix}-{i:05}",
        )
        for i in range(count)
    ]


def measure(lots: int, block_time: float | None) -> dict[str, float | int]:
    """Lots per second, pipelined and sequential, on a fresh Anvil."""
    registrar_key, miner_key = dev_accounts(2)
    with start_anvil(block_time=block_time) as anvil:
        deployment = filon.deploy(anvil.url, registrar_key)
        registrar = filon.connect(anvil.url, deployment, registrar_key)
        registrar.register_participant(miner_key.address, filon.Role.MINE_OPERATOR)
        mine_id = registrar.register_mine(
            operator=miner_key.address,
            permit_hash=b"\x0a" * 32,
            permit_expiry=int(time.time()) + 10 * 365 * 86_400,
            country="PE",
            location_hash=b"\x0b" * 32,
            capacity_mg=4 * lots * FINE_GOLD_MG,
        )
        miner = filon.connect(anvil.url, deployment, miner_key)
        miner.declare_lot(mine_id, FINE_GOLD_MG, GROSS_MASS_MG, b"\x0c" * 32, URI, "WARM-UP")

        batch = _declarations(mine_id, "PIPE", lots)
        started = time.perf_counter()
        pipelined_ids = miner.declare_lots(batch)
        pipelined_s = time.perf_counter() - started

        singles = _declarations(mine_id, "SEQ", lots)
        started = time.perf_counter()
        sequential_ids = [
            miner.declare_lot(
                d.mine_id, d.fine_gold_mg, d.gross_mass_mg, d.passport_root, d.passport_uri, d.external_ref
            )
            for d in singles
        ]
        sequential_s = time.perf_counter() - started

        assert pipelined_ids == list(range(2, lots + 2)), "pipelined ids out of order"
        assert sequential_ids == list(range(lots + 2, 2 * lots + 2)), "sequential ids out of order"
        assert miner.mine(mine_id).declared_this_year_mg == (2 * lots + 1) * FINE_GOLD_MG
    pipelined = lots / pipelined_s
    sequential = lots / sequential_s
    return {
        "declare_lots_per_s_pipelined": round(pipelined, 1),
        "declare_lots_per_s_sequential": round(sequential, 1),
        "pipelined_over_sequential": round(pipelined / sequential, 2),
        "lots_per_run": lots,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=200, help="lots declared each way (default 200)")
    parser.add_argument("--block-time", type=float, default=None, help="Anvil interval mining, seconds")
    args = parser.parse_args()
    figures = measure(args.lots, args.block_time)
    if args.block_time is not None:
        figures = {f"{key}_block_time_{args.block_time:g}s": value for key, value in figures.items()}
    record("throughput", figures)
    for key, value in figures.items():
        print(f"throughput.{key} = {value}")


if __name__ == "__main__":
    main()
