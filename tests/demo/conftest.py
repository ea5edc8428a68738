"""The demo's tests import the scenario module, scripts/_scenario.py, by its path (scripts/ is not a package,
and putting it on sys.path would expose every Ape script as a top-level module)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCENARIO = Path(__file__).resolve().parents[2] / "scripts" / "_scenario.py"

if "_scenario" not in sys.modules:
    spec = importlib.util.spec_from_file_location("_scenario", SCENARIO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["_scenario"] = module
    spec.loader.exec_module(module)
