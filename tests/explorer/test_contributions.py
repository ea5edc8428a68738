"""The bar's producers on its page and in its JSON: the same shares as `Client.contributions`, printed in
millionths that sum to exactly 1, drawn as a server-rendered bar chart."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import _scenario as sc
from filon._contributions import decimal_shares

from .conftest import Explored

SVG = "{http://www.w3.org/2000/svg}"


def _names(explored: Explored) -> dict[int, str]:
    """Each demo mine's name by id, as the registrar's records publish it."""
    return {explored.summary.mine_ids[spec.key]: spec.name for spec in sc.MINES}


def test_the_api_gives_each_mines_share_of_the_bar(explored: Explored) -> None:
    bar = explored.bar
    exact = explored.reader.contributions(bar)
    answer = explored.client.get(f"/api/lots/{bar}").json()

    assert answer["contributions_note"] is None
    assert answer["contributions"] == [
        {
            "mine_id": part.mine_id,
            "name": _names(explored)[part.mine_id],
            "fine_gold_mg": part.fine_gold_mg,
            "share": float(share),
        }
        for part, share in zip(exact, decimal_shares([part.share for part in exact]), strict=True)
    ]
    assert sorted(part["mine_id"] for part in answer["contributions"]) == [1, 2, 3, 4]
    assert sum(Decimal(str(part["share"])) for part in answer["contributions"]) == 1
    assert sum(part["fine_gold_mg"] for part in answer["contributions"]) == answer["fine_gold_mg"]


def test_an_ore_lot_is_all_from_its_mine(explored: Explored) -> None:
    ore = explored.reader.provenance(explored.bar).ore_lots[0]
    answer = explored.client.get(f"/api/lots/{ore.id}").json()
    assert answer["contributions"] == [
        {
            "mine_id": ore.mine_id,
            "name": _names(explored)[ore.mine_id],
            "fine_gold_mg": ore.fine_gold_mg,
            "share": 1.0,
        }
    ]


def test_the_page_draws_the_shares_and_lists_them(explored: Explored) -> None:
    bar = explored.bar
    page = explored.client.get(f"/lots/{bar}").text
    match = re.search(r'<svg [^>]*class="chart contributions".*?</svg>', page, re.S)
    assert match is not None
    chart = ET.fromstring(match.group(0))  # well-formed XML, or this raises
    assert chart.findtext(f"{SVG}title") == f"Lot {bar}'s fine gold by mine of origin"
    exact = explored.reader.contributions(bar)
    labels = [bar_group.findtext(f"{SVG}a/{SVG}text") for bar_group in chart.iter(f"{SVG}g")]
    assert labels == [f"Mine {part.mine_id} · {_names(explored)[part.mine_id]}" for part in exact]
    widths = [float(rect.attrib["width"]) for rect in chart.iter(f"{SVG}rect")]
    assert widths[0] == 320.0  # the largest share spans the whole bar width
    assert all(width > 0 for width in widths)
    section = page[page.index('<h2 id="contributions">') : page.index('<section aria-labelledby="carbon">')]
    for share in decimal_shares([part.share for part in exact]):
        assert f"{100 * share:.4f} %" in section
