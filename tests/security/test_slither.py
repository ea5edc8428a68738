"""Slither static analysis of contracts/: no medium or high finding outside a triaged list.

Slither (slither-analyzer, not a pinned dependency yet) compiles through tools/solc.cjs, the project's
solc-js wrapper, with the settings of ape-config.yaml; OpenZeppelin is filtered out. A finding is keyed by
its detector and the function it names; `ACCEPTED` lists each accepted one (any impact) and
docs/security.md gives the reason. A new medium or high finding fails the test; so does an accepted one that
is no longer reported (the list stays honest).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# (detector, the function or variable it names) -> the short reason; the full one is in docs/security.md.
ACCEPTED: dict[tuple[str, str], str] = {
    (
        "divide-before-multiply",
        "CalendarYear.yearOf",
    ): "Hinnant's civil_from_days: the truncation is the algorithm",
    ("incorrect-equality", "FilonRegistry.mine"): "compares calendar years, not balances",
    ("incorrect-equality", "FilonRegistry.setMineCapacity"): "compares calendar years, not balances",
    ("incorrect-equality", "FilonLots._mintLot"): "idsLeft == 0 and role == None are exact states",
    ("incorrect-equality", "FilonLots.submitDeclaration"): "role == None is an exact state",
    ("incorrect-equality", "FilonRegistry._revertCannotHold"): "role == None is an exact state",
    ("incorrect-equality", "FilonLots._requireAdmitted"): "role == None is an exact state",
    (
        "timestamp",
        "FilonRegistry._checkPermitExpiry",
    ): "permit expiry and years are dates: minutes don't matter",
    ("timestamp", "FilonRegistry.mine"): "permit expiry and years are dates: minutes don't matter",
    ("timestamp", "FilonRegistry.setMineCapacity"): "permit expiry and years are dates: minutes don't matter",
    ("timestamp", "FilonLots._mintLot"): "permit expiry and years are dates: minutes don't matter",
    ("timestamp", "FilonLots.submitDeclaration"): "permit expiry and years are dates: minutes don't matter",
    ("timestamp", "FilonLots._useMineCapacity"): "permit expiry and years are dates: minutes don't matter",
    (
        "dead-code",
        "FilonRegistry._mineCapacity",
    ): "used by FilonLots; dead only in the abstract registry alone",
    (
        "dead-code",
        "FilonRegistry._mineOperator",
    ): "used by FilonLots; dead only in the abstract registry alone",
}


def _key(result: dict) -> tuple[str, str]:
    """(detector, the first element's `Contract.function`) of a Slither result."""
    match = re.match(r"([\w$]+\.[\w$]+)", result["description"])
    return result["check"], match.group(1) if match else result["description"].splitlines()[0]


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    # A dev dependency (pyproject.toml), installed by `make`: its absence is a broken setup, not a skip.
    slither = str(Path(sys.executable).parent / "slither")
    report = tmp_path_factory.mktemp("slither") / "slither.json"
    completed = subprocess.run(
        [
            slither,
            "contracts/",
            "--solc", "tools/solc.cjs",
            "--solc-remaps", "@openzeppelin/contracts=node_modules/@openzeppelin/contracts",
            "--solc-args", "--optimize --via-ir --evm-version prague",
            "--filter-paths", "node_modules",
            "--exclude-dependencies",
            "--json", str(report),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert report.exists(), completed.stderr[-4000:]
    output = json.loads(report.read_text())
    assert output["success"], output.get("error") or completed.stderr[-4000:]
    return list(output["results"].get("detectors", []))


def test_no_medium_or_high_finding_outside_the_triaged_list(findings: list[dict]) -> None:
    new = sorted(
        {
            (r["impact"], *_key(r))
            for r in findings
            if r["impact"] in ("Medium", "High") and _key(r) not in ACCEPTED
        }
    )
    assert new == [], "new Slither findings: fix them, or triage them in ACCEPTED and docs/security.md"


def test_every_accepted_finding_is_still_reported(findings: list[dict]) -> None:
    assert set(ACCEPTED) - {_key(r) for r in findings} == set()


def test_accepted_findings_are_documented() -> None:
    doc = (ROOT / "docs" / "security.md").read_text()
    assert [key for key in ACCEPTED if f"`{key[0]}` in `{key[1]}`" not in doc] == []
