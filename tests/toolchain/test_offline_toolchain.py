"""The toolchain compiles offline: solc is the project's solc-js wrapper, never a download."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOLC_VERSION = "0.8.30"


def _env_with_guard() -> dict[str, str]:
    env = dict(os.environ)
    guard = str(Path(__file__).parent / "offline_site")
    env["PYTHONPATH"] = guard + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_wrapper_answers_version_like_native_solc() -> None:
    out = subprocess.run(
        [str(ROOT / "tools" / "solc.cjs"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert f"Version: {SOLC_VERSION}+commit." in out


def test_py_solc_x_sees_only_the_wrapper() -> None:
    script = (
        "import solcx, json; "
        "print(json.dumps([str(v) for v in solcx.get_installed_solc_versions()])); "
        "print(solcx.install.get_executable('" + SOLC_VERSION + "'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=_env_with_guard()
    ).stdout.splitlines()
    assert json.loads(out[0]) == [SOLC_VERSION]
    assert Path(out[1]).resolve() == (ROOT / "tools" / "solc.cjs").resolve()


def test_wrapper_output_is_not_cut_at_64_kib() -> None:
    """A large standard-JSON answer arrives whole (Node cuts stdout when exiting right after a write)."""
    source = "\n".join(
        f"contract C{i} {{ function f() external pure returns (uint256) {{ return {i}; }} }}"
        for i in range(150)
    )
    request = {
        "language": "Solidity",
        "sources": {
            "Big.sol": {"content": "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n" + source}
        },
        "settings": {"outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}},
    }
    proc = subprocess.run(
        [str(ROOT / "tools" / "solc.cjs"), "--standard-json"],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
    )
    assert len(proc.stdout) > 65536
    output = json.loads(proc.stdout)
    assert len(output["contracts"]["Big.sol"]) == 150


def test_ape_compiles_offline_with_downloads_forbidden(tmp_path: Path) -> None:
    # A copy of the project, so that `--force` never rewrites the .build that other test processes read.
    shutil.copy(ROOT / "ape-config.yaml", tmp_path)
    shutil.copytree(ROOT / "contracts", tmp_path / "contracts")
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "ape"), "compile", "--force"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_env_with_guard(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ForbiddenDownload" not in proc.stdout + proc.stderr
    manifest = json.loads((tmp_path / ".build" / "__local__.json").read_text())
    assert "FilonLots" in manifest["contractTypes"]
    versions = {c["version"] for c in manifest["compilers"]}
    assert versions == {SOLC_VERSION + "+commit.73712a01"}
