"""The standard-JSON compiler input of FilonLots, as Ape's build resolved it, for Etherscan or Sourcify.

Ape compiles the project's contracts with the OpenZeppelin files they import copied under
`contracts/.cache/openzeppelin/<version>/` (the source names the bytecode's metadata hash commits to), from
the dependency Ape installed. The input here names every source of that compilation with its content, and
the settings Ape passed to solc, so that solc rebuilds the deployed bytecode byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ape import project

import filon

CONTRACT = "FilonLots"
CACHE_PREFIX = "contracts/.cache/"
# What a verifier asks of solc; the bytecode does not depend on it.
OUTPUT_SELECTION = {
    "*": {"*": ["abi", "evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers", "metadata"]}
}


class StandardInputError(filon.FilonError):
    """Ape's build cannot give the compiler input of the deployed contract."""


def _build() -> dict[str, Any]:
    path = project.path / ".build" / "__local__.json"
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise StandardInputError(f"{path} is missing: run `ape compile`") from None


def _source(name: str, build: dict[str, Any]) -> str:
    if name in build["sources"] and build["sources"][name].get("content"):
        return str(build["sources"][name]["content"])
    if name.startswith(CACHE_PREFIX):
        package, version, relative = name[len(CACHE_PREFIX) :].split("/", 2)
        dependency = project.dependencies.get_dependency(package, version)
        return Path(dependency.project.path, relative).read_text(encoding="utf-8")
    return (project.path / name).read_text(encoding="utf-8")


def standard_input() -> dict[str, Any]:
    """The standard-JSON input that compiles FilonLots exactly as Ape did (and as `filon` ships it).

    Raises:
        StandardInputError: There is no build, or its FilonLots differs from the artifact `filon` deploys.
    """
    build = _build()
    try:
        compiler = next(c for c in build["compilers"] if CONTRACT in c["contractTypes"])
        runtime = build["contractTypes"][CONTRACT]["runtimeBytecode"]["bytecode"]
    except (KeyError, StopIteration):
        raise StandardInputError(f"Ape's build has no {CONTRACT}: run `ape compile`") from None
    shipped = json.loads((Path(filon.__file__).parent / "artifacts" / f"{CONTRACT}.json").read_text())
    if runtime != shipped["deployedBytecode"]:
        raise StandardInputError(
            f"Ape's build of {CONTRACT} differs from the artifact filon deploys: run `make artifacts`"
        )
    settings = {k: v for k, v in compiler["settings"].items() if k != "outputSelection"}
    sources = sorted(compiler["settings"]["outputSelection"])
    return {
        "language": "Solidity",
        "sources": {name: {"content": _source(name, build)} for name in sources},
        "settings": {**settings, "outputSelection": OUTPUT_SELECTION},
    }
