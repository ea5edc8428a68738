"""A sync in its own process, for the kill tests: `python sync_child.py MANIFEST RPC DATABASE STEP MODE N`.

MODE `commit`: SIGKILLs itself as the database is about to commit step N, its rows already sent to the
database inside the open transaction. MODE `print`: prints the last block of each committed step and
goes on; the test SIGKILLs it after the Nth line, wherever it then is.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from sqlalchemy import event

from filon.index import open_index


def main(manifest: str, rpc_url: str, database_url: str, step: str, mode: str, n: str) -> None:
    index = open_index(manifest, rpc_url=rpc_url, database_url=database_url, blocks_per_step=int(step))
    commits = 0

    def before_commit(_: Any) -> None:
        nonlocal commits
        commits += 1
        if commits == int(n):
            os.kill(os.getpid(), signal.SIGKILL)

    if mode == "commit":
        event.listen(index.engine, "commit", before_commit)
    index.sync(progress=lambda done, _: print(done, flush=True))
    print("finished", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
