"""Copy the compiled contracts from Ape's build into the `filon` package.

The library ships the ABI and bytecode of the contracts it deploys, so that partner systems need neither
Ape nor Node. Run through `make artifacts` after changing `contracts/`; `tests/contracts/test_artifacts.py`
fails when the shipped files differ from a fresh compile.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".build" / "__local__.json"
OUT = ROOT / "src" / "filon" / "artifacts"
CONTRACTS = ("FilonLots",)


def artifact(manifest: dict, name: str) -> dict:
    """The shipped artifact of contract `name` from Ape's project manifest."""
    contract = manifest["contractTypes"][name]
    compiler = next(c for c in manifest["compilers"] if name in c["contractTypes"])
    settings = {k: v for k, v in compiler["settings"].items() if k != "outputSelection"}
    return {
        "contractName": name,
        "sourceId": contract["sourceId"],
        "abi": contract["abi"],
        "bytecode": contract["deploymentBytecode"]["bytecode"],
        "deployedBytecode": contract["runtimeBytecode"]["bytecode"],
        "compiler": {"name": compiler["name"], "version": compiler["version"], "settings": settings},
    }


def main() -> int:
    if not MANIFEST.exists():
        print(f"{MANIFEST} is missing: run `ape compile` first", file=sys.stderr)
        return 1
    manifest = json.loads(MANIFEST.read_text())
    OUT.mkdir(parents=True, exist_ok=True)
    for name in CONTRACTS:
        path = OUT / f"{name}.json"
        path.write_text(json.dumps(artifact(manifest, name), indent=1, sort_keys=True) + "\n")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
