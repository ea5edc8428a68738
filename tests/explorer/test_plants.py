"""The plant's dashboard on the demo's chain: its intake per mine and month, its supplying mines' capacity
use, its campaign's recovery and its open flags, with exact figures from the scenario's receipts (6 %
moisture; the plant's sample at the declared grade, the laboratory's counter-sample 2 % lower)."""

from __future__ import annotations

import datetime
import html

import pytest
from web3 import Web3

import _scenario as sc
import filon
from filon.explorer._models_plants import CampaignOut, PlantOut
from filon.explorer._views_plants import recovery_svg

from .conftest import Explored

# (dry mass mg, head grade g/t) of each ore lot's receipt: the grade rounded to 0.01 g/t, the counter-sample
# to 0.01 of 98 % of it, and the head grade their mean.
RECEIPTS = {
    "SRC-2025-0141": (3_008_000_000, (15.43 + 15.12) / 2),
    "SRC-2025-0142": (2_350_000_000, (13.62 + 13.35) / 2),
    "CRY-2025-0077": (3_760_000_000, (10.21 + 10.01) / 2),
    "VDC-2025-0033": (1_692_000_000, (22.34 + 21.89) / 2),
    "HUA-2025-0058": (2_068_000_000, (17.02 + 16.68) / 2),
}


def _plant(explored: Explored) -> str:
    return sc.Cast.dev().plant.address


def test_the_dashboards_json_has_the_scenarios_figures(explored: Explored) -> None:
    body = explored.client.get(f"/api/plants/{_plant(explored).lower()}").json()
    month = datetime.datetime.fromtimestamp(
        explored.web3.eth.get_block("latest")["timestamp"], tz=datetime.UTC
    ).strftime("%Y-%m")
    assert (body["address"], body["name"]) == (_plant(explored), sc.PLANT_NAME)
    santa_rosa = (
        3_008_000_000 * RECEIPTS["SRC-2025-0141"][1] + 2_350_000_000 * RECEIPTS["SRC-2025-0142"][1]
    ) / (5_358_000_000)
    assert body["intake"] == [
        {
            "month": month,
            "mine_id": 1,
            "mine_name": "Santa Rosa de Chaparra",
            "lots": 2,
            "fine_gold_mg": 78_400,
            "dry_tonnes": 5.358,
            "average_grade_g_t": pytest.approx(santa_rosa, rel=1e-12),
        },
        {
            "month": month,
            "mine_id": 2,
            "mine_name": "Cerro Rico de Yanaquihua",
            "lots": 1,
            "fine_gold_mg": 38_400,
            "dry_tonnes": 3.76,
            "average_grade_g_t": pytest.approx(10.11, rel=1e-12),
        },
        {
            "month": month,
            "mine_id": 3,
            "mine_name": "Virgen del Carmen de Relave",
            "lots": 1,
            "fine_gold_mg": 37_800,
            "dry_tonnes": 1.692,
            "average_grade_g_t": pytest.approx(22.115, rel=1e-12),
        },
        {
            "month": month,
            "mine_id": 4,
            "mine_name": "Huanca",
            "lots": 1,
            "fine_gold_mg": 35_200,
            "dry_tonnes": 2.068,
            "average_grade_g_t": pytest.approx(16.85, rel=1e-12),
        },
    ]
    assert [
        (m["mine_id"], m["lots"], m["received_mg"], m["capacity_mg"], m["declared_this_year_mg"])
        for m in body["mines"]
    ] == [
        (1, 2, 78_400, 24_000_000, 78_400),
        (2, 1, 38_400, 18_000_000, 38_400),
        (3, 1, 37_800, 9_000_000, 37_800),
        (4, 1, 35_200, 12_000_000, 35_200),
    ]
    assert body["mines"][2]["capacity_used_percent"] == pytest.approx(100 * 37_800 / 9_000_000, rel=1e-12)
    ore = explored.summary.ore_lots
    # The ore held 187.91493 g by assay; 174.6 g of doré came out: 92.9 %.
    held = sum(dry * grade / 1_000_000 for dry, grade in RECEIPTS.values())
    assert held == pytest.approx(187_914.93, rel=1e-12)
    assert body["campaigns"] == [
        {
            "first_output": explored.summary.dore_id,
            "inputs": sorted(ore[spec.ref] for spec in sc.ORE_LOTS),
            "outputs": [explored.summary.dore_id],
            "fine_in_mg": 189_800,
            "fine_out_mg": sc.DORE.fine_gold_mg,
            "ore_gold_mg": pytest.approx(held, rel=1e-12),
            "recovery": pytest.approx(174_600 / held, rel=1e-12),
        }
    ]
    # The scenario's assays back its declarations: the one open flag is Huanca's suspension.
    assert [(flag["code"], flag["lbma_step"]) for flag in body["flags"]] == [("MINE_SUSPENDED", "suspend")]


def test_the_dashboard_page_its_link_and_its_404s(explored: Explored) -> None:
    plant = _plant(explored)
    page = html.unescape(" ".join(explored.client.get(f"/plants/{plant}").text.split()))
    for section in (
        "Intake per mine and month",
        "Capacity use per supplying mine",
        "Recoveries per campaign",
    ):
        assert f">{section}</h2>" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart intake"' in page
    assert f"Campaign into lot {explored.summary.dore_id}" in page and "92.9 % recovered" in page
    assert "MINE_SUSPENDED</strong> Mine 4 is suspended" in page
    assert explored.client.get(f"/api/participants/{plant}").json()["plant"] is True
    participant = explored.client.get(f"/participants/{plant}").text
    assert f'<a href="/plants/{plant}">its plant dashboard</a>' in participant
    refiner = sc.Cast.dev().refiner.address
    assert explored.client.get(f"/api/participants/{refiner}").json()["plant"] is False
    missing = explored.client.get(f"/api/plants/{refiner}")
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": f"{refiner} received no ore lot: it is not a plant"},
    )
    stranger = "0x" + "ab" * 20
    unknown = explored.client.get(f"/api/plants/{stranger}")
    assert (unknown.status_code, unknown.json()) == (
        404,
        {"detail": f"{Web3.to_checksum_address(stranger)} was never an admitted participant"},
    )
    assert explored.client.get("/plants/nobody").status_code == 404
    assert explored.client.get("/api/plants/nobody").json() == {
        "detail": "'nobody' is not an Ethereum address"
    }


def test_the_recovery_chart_of_ore_whose_assays_show_no_gold() -> None:
    def campaign(ore_gold_mg: float | None, recovery: float | None) -> CampaignOut:
        return CampaignOut(
            first_output=9,
            inputs=[1],
            outputs=[9],
            fine_in_mg=1_000,
            fine_out_mg=1_500,
            ore_gold_mg=ore_gold_mg,
            recovery=recovery,
        )

    def chart(*campaigns: CampaignOut) -> str:
        page = PlantOut(
            address="0x" + "22" * 20, name=None, intake=[], mines=[], campaigns=list(campaigns), flags=[]
        )
        return str(recovery_svg(page))

    none = chart(campaign(0.0, None))
    assert "1.500 g out of ore whose assays show no gold" in none and "unknown" not in none
    assert "unknown (an ore lot without a receipt)" in chart(campaign(None, None))
    assert "75.0 % recovered" in chart(campaign(2_000.0, 0.75))


def test_only_no_such_plant_is_a_404(explored: Explored, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object) -> None:
        raise filon.InvalidInput("history_window is grade_history (5) or more, not 4")

    monkeypatch.setattr("filon.explorer._views_plants.plant_dashboard", refused)
    answer = explored.client.get(f"/api/plants/{_plant(explored)}")
    assert (answer.status_code, answer.json()) == (
        400,
        {"detail": "history_window is grade_history (5) or more, not 4"},
    )
