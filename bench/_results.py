"""Shared by the benchmarks: merge figures into bench/results.json.

`record("throughput", {"declare_lots_per_s_pipelined": 150.2})` sets `results["throughput"][...]`,
creating the file if needed and keeping every other section and figure. The file is written with
sorted keys and an indent of 2, so that successive runs diff cleanly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def record(section: str, values: dict[str, Any], *, path: Path = RESULTS) -> dict[str, Any]:
    """Merges `values` into section `section` of the results file.

    Args:
        section: The benchmark's section, e.g. "gas" or "throughput".
        values: Figures by name; they replace figures of the same name in that section.
        path: The results file (bench/results.json by default).

    Returns:
        The whole results document as written.
    """
    results: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    merged = results.get(section)
    results[section] = {**(merged if isinstance(merged, dict) else {}), **values}
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    temporary.replace(path)
    return results
