"""Writes the cost tables of docs/networks.md: measured gas and transaction bytes at stated, dated prices.

    python bench/networks.py           # rewrite the tables (`make bench` does, after measuring)
    python bench/networks.py --check   # exit 1 if docs/networks.md is not what this would write

Inputs: bench/results.json (``gas.*`` and ``tx_bytes.*``, written by bench/gas.py) and
bench/network_prices.json (gas and token prices with their date, and where each comes from). Only the part of
docs/networks.md between the BEGIN and END markers is written; the rest is prose.

What a transaction costs on a network, in wei of its gas token:

- execution: ``gas * gas price``, the same EVM gas on every network here (bench/gas.py measured it);
- L1 data, on rollups, for posting the signed transaction (``tx_bytes``) to Ethereum:

  - OP Stack (Base, OP Mainnet), the GasPriceOracle's ``getL1FeeUpperBound`` (Fjord):
    ``size = tx_bytes + tx_bytes // 255 + 16``, ``estimate = max(100e6, 836_500 * size - 42_585_600)``,
    ``fee = estimate * (16 * baseFeeScalar * l1BaseFee + blobBaseFeeScalar * blobBaseFee) // 1e12``;
  - Arbitrum: ``16 units * tx_bytes * price per unit``, the poster fee of an incompressible transaction.

  Both rollups charge for the compressed transaction, so these are upper bounds.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import GAS_ROWS

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
PRICES = HERE / "network_prices.json"
DOC = HERE.parent / "docs" / "networks.md"
BEGIN = "<!-- BEGIN cost tables: written by bench/networks.py, do not edit by hand -->"
END = "<!-- END cost tables -->"

WEI_PER_GWEI = 10**9
WEI_PER_TOKEN = 10**18
# One ore lot's life: (what happens, the gas figure it costs, how much of that transaction is this lot's).
LOT_LIFE = (
    ("declared at the mine", "declare_lot", Fraction(1)),
    ("transferred to the plant", "transfer", Fraction(1)),
    ("a tenth of a 10 → 1 merge", "transform_10_1", Fraction(1, 10)),
    ("a passport update (the plant's assay)", "record_passport", Fraction(1)),
)
LOTS_AT_SCALE = 1_000
# GasPriceOracle (Fjord) constants, in millionths of a byte.
OP_INTERCEPT = -42_585_600
OP_FASTLZ_COEF = 836_500
OP_MIN_SIZE = 100_000_000


class CostInputError(ValueError):
    """bench/results.json or bench/network_prices.json lacks a figure, or holds one that makes no sense."""


@dataclass(frozen=True)
class Figure:
    """A stated number and where it comes from."""

    value: Decimal
    note: str


@dataclass(frozen=True)
class Network:
    """One network's prices: gas, and (rollups) what Ethereum charges for its data."""

    name: str
    ape: str
    chain_id: int
    token: str
    gas_price_gwei: Figure
    l1_model: str | None
    l1_figures: dict[str, Figure]


@dataclass(frozen=True)
class Prices:
    """Everything bench/network_prices.json states."""

    as_of: date
    about: str
    token_usd: dict[str, Figure]
    l1_base_fee_gwei: Figure
    l1_blob_base_fee_gwei: Figure
    networks: tuple[Network, ...]


L1_FIGURES = {"arbitrum": ("price_per_unit_gwei",), "op-stack": ("base_fee_scalar", "blob_base_fee_scalar")}


def _figure(data: Any, where: str) -> Figure:
    if not isinstance(data, dict) or set(data) != {"value", "note"}:
        raise CostInputError(f"{where} should be {{'value': <number>, 'note': <where it comes from>}}")
    value, note = data["value"], data["note"]
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or value < 0:
        raise CostInputError(f"{where}.value should be a number at least 0, not {value!r}")
    if not isinstance(note, str) or not note.strip():
        raise CostInputError(f"{where}.note should say where the figure comes from")
    return Figure(Decimal(value), note)


_KINDS = {str: "a string", int: "an integer", dict: "an object", list: "a list"}


def _field(data: Any, key: str, kind: type, where: str) -> Any:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise CostInputError(f"{where}.{key} should be {_KINDS[kind]}, not {value!r}")
    return value


def _network(data: Any, tokens: dict[str, Figure], where: str) -> Network:
    token = _field(data, "token", str, where)
    if token not in tokens:
        raise CostInputError(f"{where}.token is {token!r}, which has no price in tokens")
    l1 = data.get("l1_data")
    model, figures = None, {}
    if l1 is not None:
        model = _field(l1, "model", str, f"{where}.l1_data")
        if model not in L1_FIGURES:
            raise CostInputError(f"{where}.l1_data.model is {model!r}, not one of {sorted(L1_FIGURES)}")
        figures = {key: _figure(l1.get(key), f"{where}.l1_data.{key}") for key in L1_FIGURES[model]}
    return Network(
        name=_field(data, "name", str, where),
        ape=_field(data, "ape", str, where),
        chain_id=_field(data, "chain_id", int, where),
        token=token,
        gas_price_gwei=_figure(data.get("gas_price_gwei"), f"{where}.gas_price_gwei"),
        l1_model=model,
        l1_figures=figures,
    )


def load_prices(text: str) -> Prices:
    """Parses bench/network_prices.json (numbers read exactly, as decimals).

    Raises:
        CostInputError: A field is missing or wrong; the message names it.
    """
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise CostInputError(f"the prices are not JSON: {exc}") from None
    stated = _field(data, "as_of", str, "prices")
    try:
        as_of = date.fromisoformat(stated)
    except ValueError:
        raise CostInputError(f"prices.as_of should be a date (YYYY-MM-DD), not {stated!r}") from None
    tokens = {
        name: _figure(entry.get("usd") if isinstance(entry, dict) else None, f"tokens.{name}.usd")
        for name, entry in _field(data, "tokens", dict, "prices").items()
    }
    l1 = _field(data, "ethereum_l1", dict, "prices")
    networks = _field(data, "networks", list, "prices")
    return Prices(
        as_of=as_of,
        about=_field(data, "about", str, "prices"),
        token_usd=tokens,
        l1_base_fee_gwei=_figure(l1.get("base_fee_gwei"), "ethereum_l1.base_fee_gwei"),
        l1_blob_base_fee_gwei=_figure(l1.get("blob_base_fee_gwei"), "ethereum_l1.blob_base_fee_gwei"),
        networks=tuple(_network(n, tokens, f"networks[{i}]") for i, n in enumerate(networks)),
    )


def _wei(gwei: Figure) -> int:
    return int(gwei.value * WEI_PER_GWEI)


def l1_data_fee_wei(network: Network, prices: Prices, tx_bytes: int) -> int:
    """What `network` charges, in wei, for posting a signed transaction of `tx_bytes` bytes to Ethereum."""
    if network.l1_model == "op-stack":
        # The oracle adds 68 bytes of signature to an unsigned transaction; tx_bytes is already signed.
        size = tx_bytes + tx_bytes // 255 + 16
        estimate = max(OP_MIN_SIZE, OP_INTERCEPT + OP_FASTLZ_COEF * size)
        scaled = 16 * int(network.l1_figures["base_fee_scalar"].value) * _wei(prices.l1_base_fee_gwei) + int(
            network.l1_figures["blob_base_fee_scalar"].value
        ) * _wei(prices.l1_blob_base_fee_gwei)
        return estimate * scaled // 10**12
    if network.l1_model == "arbitrum":
        return 16 * tx_bytes * _wei(network.l1_figures["price_per_unit_gwei"])
    return 0


@dataclass(frozen=True)
class Cost:
    """A cost in wei of a network's gas token: execution, and L1 data (rollups)."""

    execution: Fraction
    l1_data: Fraction

    @property
    def total(self) -> Fraction:
        return self.execution + self.l1_data


def operation_cost(network: Network, prices: Prices, gas: int, tx_bytes: int) -> Cost:
    """One transaction's cost on `network`."""
    return Cost(
        Fraction(gas * _wei(network.gas_price_gwei)), Fraction(l1_data_fee_wei(network, prices, tx_bytes))
    )


def _measured(results: dict[str, Any], key: str) -> tuple[int, int]:
    gas, sizes = results.get("gas", {}), results.get("tx_bytes", {})
    if key not in gas:
        raise CostInputError(f"bench/results.json has no gas.{key}: run bench/gas.py")
    if key not in sizes:
        raise CostInputError(f"bench/results.json has gas.{key} but no tx_bytes.{key}: run bench/gas.py")
    return int(gas[key]), int(sizes[key])


def lot_life_cost(network: Network, prices: Prices, results: dict[str, Any]) -> Cost:
    """One ore lot's life (`LOT_LIFE`) on `network`."""
    costs = [(share, operation_cost(network, prices, *_measured(results, key))) for _, key, share in LOT_LIFE]
    return Cost(
        sum((s * c.execution for s, c in costs), Fraction()),
        sum((s * c.l1_data for s, c in costs), Fraction()),
    )


def usd(wei: Fraction, token_usd: Figure) -> Fraction:
    """`wei` of a token worth `token_usd` dollars, in dollars."""
    return wei * Fraction(token_usd.value) / WEI_PER_TOKEN


def dollars(amount: Fraction) -> str:
    """`$1,112`, `$1.11`, `$0.0040`: whole dollars from 100, cents from 1, two significant digits below.

    Rounded half up from the exact amount, never through a binary float.
    """
    exact = Decimal(amount.numerator) / Decimal(amount.denominator)
    if exact == 0:
        return "$0"
    cents = exact.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if cents >= 100:
        return f"${exact.quantize(Decimal(1), ROUND_HALF_UP):,}"
    if cents >= 1:
        return f"${cents:,}"
    return f"${exact.quantize(Decimal(10) ** (exact.adjusted() - 1), ROUND_HALF_UP):f}"


def _number(value: Decimal | Fraction) -> str:
    """`3,000`, `0.25`, `13,507.6`: thousands separated, no trailing zeros."""
    if isinstance(value, Decimal):
        return f"{value.normalize():,f}"
    return f"{int(value):,}" if value.denominator == 1 else f"{float(value):,.1f}"


def _operations(results: dict[str, Any]) -> list[str]:
    """Every measured operation worth a row: all of gas.* but the baselines and the scaling repeats."""
    known = [key for key, _ in GAS_ROWS]
    keys = [k for k in results.get("gas", {}) if not k.startswith("baseline_") and "_at_" not in k]
    return sorted(keys, key=lambda k: (known.index(k) if k in known else len(known), k))


def _inputs_table(prices: Prices) -> list[str]:
    rows = [(f"{name} in US dollars", f"{_number(f.value)}", f) for name, f in prices.token_usd.items()]
    rows += [
        (
            "Ethereum base fee (rollups' L1 data)",
            f"{_number(prices.l1_base_fee_gwei.value)} gwei",
            prices.l1_base_fee_gwei,
        ),
        (
            "Ethereum blob base fee",
            f"{_number(prices.l1_blob_base_fee_gwei.value)} gwei",
            prices.l1_blob_base_fee_gwei,
        ),
    ]
    for n in prices.networks:
        rows.append((f"{n.name} gas price", f"{_number(n.gas_price_gwei.value)} gwei", n.gas_price_gwei))
        for key, figure in n.l1_figures.items():
            unit = " gwei" if key.endswith("_gwei") else ""
            rows.append((f"{n.name} `{key.removesuffix('_gwei')}`", f"{_number(figure.value)}{unit}", figure))
    return ["| figure | value | where it comes from |", "|---|---:|---|"] + [
        f"| {label} | {value} | {figure.note} |" for label, value, figure in rows
    ]


def _life_tables(prices: Prices, results: dict[str, Any]) -> list[str]:
    lines = ["| step | operation | gas | transaction bytes |", "|---|---|---:|---:|"]
    total_gas, total_bytes = Fraction(), Fraction()
    for label, key, share in LOT_LIFE:
        gas, size = _measured(results, key)
        total_gas, total_bytes = total_gas + share * gas, total_bytes + share * size
        of = f"`{key}`" + ("" if share == 1 else f" / {1 / share}" if share.numerator == 1 else f" * {share}")
        lines.append(f"| {label} | {of} | {_number(share * gas)} | {_number(share * size)} |")
    lines += [f"| **one lot's life** | | **{_number(total_gas)}** | **{_number(total_bytes)}** |", ""]
    lines += [
        "| network | Ape network | gas price | execution | L1 data | one lot's life "
        f"| {LOTS_AT_SCALE:,} lots |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for n in prices.networks:
        cost, token = lot_life_cost(n, prices, results), prices.token_usd[n.token]
        share = f" ({round(100 * cost.l1_data / cost.total)} %)" if cost.l1_data else ""
        l1 = dollars(usd(cost.l1_data, token)) + share if n.l1_model else "none"
        lines.append(
            f"| {n.name} | `{n.ape}` | {_number(n.gas_price_gwei.value)} gwei ({n.token}) "
            f"| {dollars(usd(cost.execution, token))} | {l1} | **{dollars(usd(cost.total, token))}** "
            f"| {dollars(usd(LOTS_AT_SCALE * cost.total, token))} |"
        )
    return lines


def _operations_table(prices: Prices, results: dict[str, Any]) -> list[str]:
    labels = dict(GAS_ROWS)
    lines = [
        "| operation | gas | bytes | " + " | ".join(n.name for n in prices.networks) + " |",
        "|---|---:|---:|" + "---:|" * len(prices.networks),
    ]
    for key in _operations(results):
        gas, size = _measured(results, key)
        cells = [
            dollars(usd(operation_cost(n, prices, gas, size).total, prices.token_usd[n.token]))
            for n in prices.networks
        ]
        label = f"{labels[key]} (`{key}`)" if key in labels else f"`{key}`"
        lines.append(f"| {label} | {gas:,} | {size:,} | " + " | ".join(cells) + " |")
    return lines


def render(results: dict[str, Any], prices: Prices) -> str:
    """The generated part of docs/networks.md, markers included."""
    return "\n".join(
        [
            BEGIN,
            "",
            f"### Prices assumed on {prices.as_of.isoformat()}",
            "",
            prices.about,
            "",
            *_inputs_table(prices),
            "",
            "### One ore lot's life",
            "",
            *_life_tables(prices, results),
            "",
            "### Each operation, in US dollars (execution and L1 data)",
            "",
            *_operations_table(prices, results),
            "",
            END,
        ]
    )


def rewrite(doc: str, section: str) -> str:
    """`doc` with the part between the markers (included) replaced by `section`.

    Raises:
        CostInputError: `doc` lacks the markers, or holds them out of order.
    """
    start, end = doc.find(BEGIN), doc.find(END)
    if start < 0 or end < start:
        raise CostInputError(f"docs/networks.md needs the lines {BEGIN!r} and then {END!r}")
    return doc[:start] + section + doc[end + len(END) :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that docs/networks.md is current")
    args = parser.parse_args(argv)
    try:
        prices = load_prices(PRICES.read_text(encoding="utf-8"))
        doc = DOC.read_text(encoding="utf-8")
        written = rewrite(doc, render(json.loads(RESULTS.read_text(encoding="utf-8")), prices))
    except CostInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        if written != doc:
            print("docs/networks.md is out of date: run python bench/networks.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(written, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
