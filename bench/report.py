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
    (
        "declare_lot_new_id_block",
        "declare an operator's 101st, 201st, … lot (it opens a new block of lot ids)",
    ),
    ("submit_declaration", "submit a miner's offline-signed declaration"),
    ("record_passport", "record a new passport version"),
    ("transfer", "transfer a lot (both holders already hold lots)"),
    ("transform_2_1", "merge 2 lots into 1"),
    ("transform_10_1", "merge 10 lots into 1"),
    ("transform_1_3", "split 1 lot into 3"),
    ("transform_1_1", "refine 1 lot into 1 bar"),
    ("assign_serial", "a refiner gives an existing bar its serial number"),
    ("transform_1_1_with_serial", "refine 1 lot into 1 bar with its serial number, in one multicall"),
    ("publish_encryption_key", "a participant publishes its encryption key"),
    ("grant_access", "grant a reader access to a lot's confidential layers"),
    ("revoke_access", "revoke that access"),
    ("transfer_and_grant_multicall", "transfer a lot and grant its new holder access, in one multicall"),
    ("grant_access_provenance_multicall", "grant a doré and its 5 ore lots to a reader, in one multicall"),
    ("publish_participant_record", "the registrar publishes a participant's record hash"),
    ("publish_mine_record", "the registrar publishes a mine's record hash"),
    ("record_register_snapshot", "the registrar records a government register snapshot"),
    ("register_import_multicall", "a register import: snapshot, suspension, renewed permit in one multicall"),
    ("anchor_attestation", "a laboratory anchors a credential about a lot"),
    ("revoke_attestation", "the laboratory revokes it"),
    ("baseline_erc721_safemint", "reference: OpenZeppelin ERC721 `_safeMint`"),
    ("baseline_uristorage_mint", "reference: ERC721URIStorage mint with a 46-character CID"),
]


def _gas_table(gas: dict[str, Any], tx_bytes: dict[str, Any], calldata_bytes: dict[str, Any]) -> list[str]:
    base = gas.get("baseline_uristorage_mint")
    lines = [
        "| operation | gas used | target | vs. URIStorage mint | transaction bytes (calldata) |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, label in GAS_ROWS:
        if key not in gas:
            continue
        target = GAS_TARGETS.get(key)
        target_text = f"≤ {target:,}" + (" ✓" if gas[key] <= target else " ✗") if target else ""
        ratio = f"{gas[key] / base:.2f}x" if base and key.startswith(("declare", "submit")) else ""
        size = (
            f"{tx_bytes[key]:,} ({calldata_bytes[key]:,})"
            if key in tx_bytes and key in calldata_bytes
            else ""
        )
        lines.append(f"| {label} (`{key}`) | {gas[key]:,} | {target_text} | {ratio} | {size} |")
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


# Sizes of the gas figures' transactions, shown beside them in the gas table.
SIZES = ("tx_bytes", "calldata_bytes")

# How a provenance is read: (key prefix in lookup_ms, column title).
LOOKUP_WAYS = [
    ("rpc_walk_", "raw RPC walk"),
    ("index_cold_", "index, SQLite, first read"),
    ("index_", "index, SQLite, read again"),
    ("index_postgresql_cold_", "index, PostgreSQL, first read"),
    ("index_postgresql_", "index, PostgreSQL, read again"),
]


def _lookup_table(lookup: dict[str, Any]) -> list[str]:
    """p50 / p95 of each way to read a provenance, side by side, and how much faster the index is."""
    sizes = sorted({int(k.rsplit("_", 2)[-2]) for k in lookup if k.endswith("_p50")})
    ways = [(p, t) for p, t in LOOKUP_WAYS if any(f"{p}{n}_p50" in lookup for n in sizes)]
    header = "| ancestors | " + " | ".join(f"{title} p50 / p95 (ms)" for _, title in ways)
    lines = [header + " | RPC walk ÷ SQLite index (p50) |", "|---:|" + "---:|" * (len(ways) + 1)]
    for n in sizes:
        cells = []
        for prefix, _ in ways:
            p50, p95 = lookup.get(f"{prefix}{n}_p50"), lookup.get(f"{prefix}{n}_p95")
            cells.append(f"{p50:,.2f} / {p95:,.2f}" if p50 is not None and p95 is not None else "")
        walk, index = lookup.get(f"rpc_walk_{n}_p50"), lookup.get(f"index_{n}_p50")
        ratio = f"{walk / index:,.1f}x" if walk and index else ""
        lines.append(f"| {n:,} | " + " | ".join(cells) + f" | {ratio} |")
    return lines


# Targets of the scale issue for one explorer process over SQLite, 50 clients: (rps at least, p95 ms at most).
EXPLORER_TARGETS = {"api_lot": (300, 200), "page_lot": (150, 400)}
EXPLORER_CLIENTS = (1, 10, 50)


def _explorer_table(explorer: dict[str, Any]) -> list[str]:
    """Requests/s and latency of each page under 1, 10 and 50 clients, per database, against the targets."""
    lines = [
        "| page, database | clients | requests/s | p50 / p95 / p99 (ms) | 5xx | timeouts | generator |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, title in (("api_lot", "`/api/lots/{id}`"), ("page_lot", "`/lots/{id}`")):
        for suffix, database in (("", "SQLite"), ("_postgresql", "PostgreSQL")):
            for clients in EXPLORER_CLIENTS:
                rps = explorer.get(f"{name}_rps{suffix}_{clients}")
                if rps is None:
                    continue
                p50, p95, p99 = (
                    explorer.get(f"{name}_{p}_ms{suffix}_{clients}") for p in ("p50", "p95", "p99")
                )
                mark = ""
                if not suffix and clients == 50:
                    least, most = EXPLORER_TARGETS[name]
                    met = rps >= least and p95 is not None and p95 <= most
                    mark = f" (target ≥ {least}/s, p95 ≤ {most} ms {'✓' if met else '✗'})"
                lines.append(
                    f"| {title}, {database} | {clients} | {rps:,.1f}{mark} | {p50:g} / {p95:g} / {p99:g} | "
                    f"{explorer.get(f'{name}_5xx{suffix}_{clients}', 0):g} | "
                    f"{explorer.get(f'{name}_timeouts{suffix}_{clients}', 0):g} | "
                    f"{explorer.get(f'{name}_generator_cpu{suffix}_{clients}', 0):g} |"
                )
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
        sizes = results.get("tx_bytes", {}), results.get("calldata_bytes", {})
        out += ["## Gas (receipt `gasUsed`)", "", *_gas_table(gas, *sizes), ""]
        scaling = _scaling_table(gas)
        if scaling:
            out += ["### Does it grow with the chain?", "", *scaling, ""]
    lookup = results.get("lookup_ms", {})
    if lookup:
        out += [
            "## Provenance lookup (`lookup_ms`)",
            "",
            "A lot's whole ancestry down to its mines, by its number of ancestor lots (p50 / p95, 25 reads).",
            "",
            *_lookup_table(lookup),
            "",
        ]
    explorer = results.get("explorer", {})
    if explorer:
        out += [
            "## Explorer under load (`explorer`)",
            "",
            "One `filon explorer serve` process; locust clients that never pause, asking for lots drawn at "
            "random (median of 3 fresh servers; the generator, whose use is in cores, shares the 2 cores).",
            "",
            *_explorer_table(explorer),
            "",
            *_flat_table("explorer", {k: v for k, v in explorer.items() if k.startswith(("family", "lots"))}),
            "",
        ]
    for section in sorted(k for k in results if k not in ("gas", "lookup_ms", "explorer", *SIZES)):
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
