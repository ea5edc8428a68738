"""docs/networks.md's cost tables are exactly what bench/networks.py makes of the measured gas and bytes
(bench/results.json) and the stated prices (bench/network_prices.json), and its fee formulas are the
rollups' own."""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _load_generator() -> ModuleType:
    """bench/networks.py, by its path: bench/ is a folder of scripts, not a package."""
    spec = importlib.util.spec_from_file_location("bench_networks", ROOT / "bench" / "networks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


networks = _load_generator()
PRICES_TEXT = (ROOT / "bench" / "network_prices.json").read_text()
RESULTS: dict[str, Any] = json.loads((ROOT / "bench" / "results.json").read_text())


def _prices(edit: dict[str, Any] | None = None, **fields: Any) -> Any:
    data = json.loads(PRICES_TEXT)
    data.update(fields)
    return networks.load_prices(json.dumps(data if edit is None else edit))


def _network(prices: Any, name: str) -> Any:
    return next(n for n in prices.networks if n.name == name)


def test_the_doc_holds_what_the_generator_writes() -> None:
    doc = (ROOT / "docs" / "networks.md").read_text()

    written = networks.rewrite(doc, networks.render(RESULTS, networks.load_prices(PRICES_TEXT)))

    assert written == doc, "docs/networks.md is out of date: run .venv/bin/python bench/networks.py"


def test_make_bench_rewrites_the_doc() -> None:
    makefile = (ROOT / "Makefile").read_text()
    bench = makefile[makefile.index("\nbench:") : makefile.index("\n\n", makefile.index("\nbench:"))]

    assert bench.splitlines()[-1].strip() == "$(PY) bench/networks.py"


def test_every_stated_figure_is_dated_and_sourced() -> None:
    prices = networks.load_prices(PRICES_TEXT)

    figures = [*prices.token_usd.values(), prices.l1_base_fee_gwei, prices.l1_blob_base_fee_gwei]
    figures += [f for n in prices.networks for f in (n.gas_price_gwei, *n.l1_figures.values())]

    assert prices.as_of.isoformat() == json.loads(PRICES_TEXT)["as_of"]
    assert len(figures) == 14
    assert all(f.note.strip() for f in figures)


def test_op_stack_data_fee_is_the_oracle_upper_bound() -> None:
    prices = networks.load_prices(PRICES_TEXT)
    base = _network(prices, "Base")

    # 471 bytes: 471 + 471 // 255 + 16 = 488; 836,500 x 488 - 42,585,600 = 365,626,400 millionths of a byte,
    # at 16 x 2,269 x 2 gwei + 1,055,762 x 0.01 gwei = 83,165,620,000,000 / 10^12 wei per millionth.
    assert networks.l1_data_fee_wei(base, prices, 471) == 30_407_546_244
    # A tiny transaction pays for the oracle's floor of 100 bytes.
    assert networks.l1_data_fee_wei(base, prices, 10) == 100 * 83_165_620


def test_arbitrum_data_fee_is_sixteen_units_a_byte() -> None:
    prices = networks.load_prices(PRICES_TEXT)

    fee = networks.l1_data_fee_wei(_network(prices, "Arbitrum One"), prices, 471)

    assert fee == 16 * 471 * 5_000_000


def test_an_l1_and_a_sidechain_pay_no_data_fee() -> None:
    prices = networks.load_prices(PRICES_TEXT)

    fees = [
        networks.l1_data_fee_wei(_network(prices, name), prices, 471) for name in ("Ethereum", "Polygon PoS")
    ]

    assert fees == [0, 0]


def test_a_lot_life_adds_its_steps_with_a_tenth_of_the_merge() -> None:
    prices = networks.load_prices(PRICES_TEXT)
    ethereum = _network(prices, "Ethereum")
    gas = RESULTS["gas"]

    cost = networks.lot_life_cost(ethereum, prices, RESULTS)

    life = gas["declare_lot"] + gas["transfer"] + Fraction(gas["transform_10_1"], 10) + gas["record_passport"]
    assert (cost.execution, cost.l1_data) == (life * 2_100_000_000, 0)
    assert networks.dollars(networks.usd(cost.total, prices.token_usd["ETH"])) == "$1.13"


def test_a_new_gas_figure_gets_its_own_row() -> None:
    results = copy.deepcopy(RESULTS)
    results["gas"]["declare_lot_batched"] = 70_000
    results["tx_bytes"]["declare_lot_batched"] = 400

    text = networks.render(results, networks.load_prices(PRICES_TEXT))

    assert (
        "| `declare_lot_batched` | 70,000 | 400 | $0.44 | $0.0022 | $0.0022 | $0.00037 | $0.00053 |" in text
    )


def test_a_gas_figure_without_its_size_is_a_clear_error() -> None:
    results = copy.deepcopy(RESULTS)
    del results["tx_bytes"]["transfer"]

    with pytest.raises(networks.CostInputError) as caught:
        networks.render(results, networks.load_prices(PRICES_TEXT))

    assert (
        str(caught.value) == "bench/results.json has gas.transfer but no tx_bytes.transfer: run bench/gas.py"
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda d: d["tokens"]["ETH"]["usd"].pop("note"),
            "tokens.ETH.usd should be {'value': <number>, 'note': <where it comes from>}",
        ),
        (
            lambda d: d["networks"][4].update(token="MATIC"),
            "networks[4].token is 'MATIC', which has no price in tokens",
        ),
        (
            lambda d: d["networks"][1]["l1_data"].update(model="zk"),
            "networks[1].l1_data.model is 'zk', not one of ['arbitrum', 'op-stack']",
        ),
        (
            lambda d: d["ethereum_l1"]["base_fee_gwei"].update(value=-1),
            "ethereum_l1.base_fee_gwei.value should be a number at least 0, not -1",
        ),
        (
            lambda d: d.update(as_of="last week"),
            "prices.as_of should be a date (YYYY-MM-DD), not 'last week'",
        ),
    ],
)
def test_a_wrong_price_file_names_the_field(edit: Any, message: str) -> None:
    data = json.loads(PRICES_TEXT)
    edit(data)

    with pytest.raises(networks.CostInputError) as caught:
        networks.load_prices(json.dumps(data))

    assert str(caught.value) == message


def test_a_doc_without_the_markers_is_a_clear_error() -> None:
    with pytest.raises(networks.CostInputError) as caught:
        networks.rewrite("# Networks\n", "tables")

    assert str(caught.value) == (
        f"docs/networks.md needs the lines {networks.BEGIN!r} and then {networks.END!r}"
    )


def test_a_price_file_that_is_not_an_object_is_a_clear_error() -> None:
    with pytest.raises(networks.CostInputError) as caught:
        networks.load_prices("[1, 2]")

    assert str(caught.value) == "prices.as_of should be a string, not None"


def test_every_priced_network_is_an_ape_network_of_the_project() -> None:
    config = yaml.safe_load((ROOT / "ape-config.yaml").read_text())

    priced = [n.ape.split(":") for n in networks.load_prices(PRICES_TEXT).networks]

    assert [f"{e}:{n}" for e, n in priced if n not in config["node"].get(e, {})] == []
    assert [f"{e}:{n}" for e, n in priced if n != "mainnet"] == []
