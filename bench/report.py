"""Writes bench/RESULTS.md from bench/results.json: the figures as tables, with targets and ratios.

Run by ``make bench`` after the measurements; ``python bench/report.py`` redoes only the table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# Targets from the gas issue: what a small plant or cooperative should pay at most.
GAS_TARGETS = {
    "declare_lot": 90_000,
    "transfer": 50_000,
    "record_passport": 40_000,
    "transform_10_1": 150_000,
}
GAS_ROWS = [
    ("declare_lot", "declare an ore lot (operator already holds lots)"),
    ("declare_lot_first", "declare an operator's first lot"),
    ("declare_lot_with_ref", "declare with an external reference (idempotent retries)"),
    ("submit_declaration", "submit a miner's offline-signed declaration"),
    ("record_passport", "record a new passport version"),
    ("transfer", "transfer a lot (both holders already hold lots)"),
    ("transform_2_1", "merge 2 lots into 1"),
    ("transform_10_1", "merge 10 lots into 1"),
    ("transform_1_3", "split 1 lot into 3"),
    ("baseline_erc721_safemint", "reference: OpenZeppelin ERC721 `_safeMint`"),
    ("baseline_uristorage_mint", "reference: ERC721URIStorage mint with a 46-character CID"),
]


def _gas_table(gas: dict[str, Any]) -> list[str]:
    base = gas.get("baseline_uristorage_mint")
    lines = [
        "| operation | gas used | target | vs. URIStorage mint |",
        "|---|---:|---:|---:|",
    ]
    for key, label in GAS_ROWS:
        if key not in gas:
            continue
        target = GAS_TARGETS.get(key)
        target_text = f"≤ {target:,}" + (" ✓" if gas[key] <= target else " ✗") if target else ""
        ratio = f"{gas[key] / base:.2f}x" if base and key.startswith(("declare", "submit")) else ""
        lines.append(f"| {label} (`{key}`) | {gas[key]:,} | {target_text} | {ratio} |")
    return lines


def _scaling_table(gas: dict[str, Any]) -> list[str]:
    scales = sorted({int(k.rsplit("_", 1)[1]) for k in gas if "_at_" in k})
    if not scales:
        return []
    lines = [
        "| lots already on chain | " + " | ".join(f"{s:,}" for s in scales) + " |",
        "|---|" + "---:|" * len(scales),
    ]
    for op in ("declare_lot", "transform_2_1"):
        lines.append(f"| `{op}` | " + " | ".join(f"{gas[f'{op}_at_{s}']:,}" for s in scales) + " |")
    return lines


def _flat_table(title: str, values: dict[str, Any]) -> list[str]:
    lines = [f"| {title} | value |", "|---|---:|"]
    for key, value in sorted(values.items()):
        shown = (
            f"{value:,.2f}" if isinstance(value, float) else f"{value:,}" if isinstance(value, int) else value
        )
        lines.append(f"| `{key}` | {shown} |")
    return lines


def render(results: dict[str, Any]) -> str:
    out = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/report.py) from bench/results.json.",
        "",
    ]
    gas = results.get("gas", {})
    if gas:
        out += ["## Gas (receipt `gasUsed`)", "", *_gas_table(gas), ""]
        scaling = _scaling_table(gas)
        if scaling:
            out += ["### Does it grow with the chain?", "", *scaling, ""]
    for section in sorted(k for k in results if k != "gas"):
        values = results[section]
        if isinstance(values, dict):
            out += [f"## {section}", "", *_flat_table(section, values), ""]
    return "\n".join(out)


def main() -> None:
    results = json.loads((HERE / "results.json").read_text())
    (HERE / "RESULTS.md").write_text(render(results))
    print(f"wrote {HERE / 'RESULTS.md'}")


if __name__ == "__main__":
    main()
