"""How fast documents travel through the store the supply chain shares: 1 MiB documents uploaded to, and
fetched from, a real `filon explorer serve` process on loopback.

Run: ``make bench`` or ``.venv/bin/python bench/store.py``. On one Anvil with a fresh deployment and one
admitted participant, an explorer serves the store from a temporary folder, checking uploaders on that
chain. Then, through `filon.RemoteStore` as a party's client uses it:

- ``upload_mib_per_s_1mib``: 32 distinct 1 MiB documents written one after the other (each cached, signed
  with EIP-712 and sent as `PUT /ipfs/{cid}`; the server checks the signature and the uploader, re-hashes
  the bytes and writes them durably), median MiB/s of 3 rounds;
- ``fetch_mib_per_s_1mib``: the same documents read by a reader with an empty cache (each fetched with
  `GET /ipfs/{cid}?format=raw`, re-hashed by the server before sending and by the client before caching),
  median of 3 rounds, each with a fresh cache.

Every byte fetched is compared with what was uploaded. The first upload of a run also pays the uploader's
check on chain (cached 30 s after).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent / "tests"))  # servers.py: the explorer process

import filon
from _results import record
from filon.devchain import dev_accounts, start_anvil
from servers import ExplorerProcess

MIB = 2**20
DOCUMENTS = 32
ROUNDS = 3


def _documents() -> list[bytes]:
    """`DOCUMENTS` distinct, incompressible 1 MiB documents (new ones each round: nothing is there yet)."""
    return [os.urandom(MIB) for _ in range(DOCUMENTS)]


def main() -> None:
    registrar, plant = dev_accounts(2)
    with tempfile.TemporaryDirectory(prefix="filon-bench-store-") as temporary, start_anvil() as anvil:
        folder = Path(temporary)
        deployment = filon.deploy(anvil.url, registrar)
        admin = filon.connect(anvil.url, deployment=deployment, account=registrar, store=folder / "admin")
        admin.register_participant(plant.address, filon.Role.PROCESSOR)
        manifest = deployment.save(folder / "deployment.json")
        server = ExplorerProcess(manifest, folder / "served", folder / "index.sqlite", rpc_url=anvil.url)
        uploads: list[float] = []
        fetches: list[float] = []
        with server:
            for round_ in range(ROUNDS):
                documents = _documents()
                writer = filon.RemoteStore(
                    server.url, folder / f"plant-{round_}", account=plant, deployment=deployment
                )
                started = time.perf_counter()
                cids = [writer.put(data) for data in documents]
                uploads.append(DOCUMENTS / (time.perf_counter() - started))
                reader = filon.RemoteStore(server.url, folder / f"reader-{round_}")
                started = time.perf_counter()
                fetched = [reader.get(cid) for cid in cids]
                fetches.append(DOCUMENTS / (time.perf_counter() - started))
                if fetched != documents:
                    sys.exit("A fetched document differs from the one uploaded")
                print(f"round {round_ + 1}: upload {uploads[-1]:.1f} MiB/s, fetch {fetches[-1]:.1f} MiB/s")
    figures = {
        "upload_mib_per_s_1mib": round(statistics.median(uploads), 1),
        "fetch_mib_per_s_1mib": round(statistics.median(fetches), 1),
        "documents_per_round": DOCUMENTS,
        "rounds": ROUNDS,
    }
    record("store", figures)
    print(f"store: {figures}")


if __name__ == "__main__":
    main()
