"""A buyer in headless Chromium, with JavaScript switched off: search a bar, see its four mines, check a
tampered and a genuine document. The explorer is served by uvicorn on loopback, as `filon explorer serve`
serves it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

import _scenario as sc
from servers import PAGE_TIMEOUT_MS, serve_app

from .conftest import Explored


@pytest.fixture(scope="module")
def served(explored: Explored) -> Iterator[str]:
    with serve_app(explored.app) as base:
        yield base


@pytest.fixture
def buyer(browser: Browser) -> Iterator[Page]:
    """A page with JavaScript off: every page of the explorer must work without it."""
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def _upload(page: Page, name: str, data: bytes) -> None:
    page.get_by_label("Document", exact=True).set_input_files(
        {"name": name, "mimeType": "application/pdf", "buffer": data}
    )
    page.get_by_role("button", name="Verify").click()


def test_a_buyer_finds_a_bar_sees_its_mines_and_checks_documents(
    explored: Explored, served: str, buyer: Page
) -> None:
    bar = explored.bar
    buyer.goto(served + "/")
    buyer.get_by_label("Lot id, external reference, mine or address").fill(str(bar))
    buyer.get_by_role("button", name="Search").click()
    expect(buyer).to_have_url(f"{served}/lots/{bar}")
    expect(buyer.get_by_role("heading", level=1)).to_have_text(re.compile(rf"^Lot {bar}\b"))

    mines = buyer.locator("svg.provenance a.mine")
    expect(mines).to_have_count(4)
    assert [mines.nth(i).locator("text").all_text_contents() for i in range(4)] == [
        ["Mine 1 · PE", "ACTIVE"],
        ["Mine 2 · PE", "ACTIVE"],
        ["Mine 3 · PE", "ACTIVE"],
        ["Mine 4 · PE", "SUSPENDED"],
    ]
    expect(buyer.locator("svg.chart.contributions g.bar")).to_have_count(4)  # the bar's producers, drawn
    expect(buyer.locator("ul.flags")).to_contain_text(
        "Gold in this lot comes from mine 4, which is now suspended."
    )

    genuine = sc.scenario_documents()["assay-bar-1.pdf"]
    _upload(buyer, "assay-bar-1.pdf", genuine.replace(b"999.9", b"999.0"))
    expect(buyer).to_have_url(f"{served}/lots/{bar}/verify")
    expect(buyer.locator(".verdict .word")).to_have_text("MISMATCH")

    buyer.go_back()
    _upload(buyer, "assay-bar-1.pdf", genuine)
    expect(buyer.locator(".verdict .word")).to_have_text("MATCH")
    expect(buyer.locator(".verdict")).to_contain_text("passport version 2, field conformity")

    buyer.get_by_role("link", name=f"lot {bar}").click()
    buyer.locator("svg.provenance a.mine").nth(3).click()  # a node of the drawing is a link
    expect(buyer).to_have_url(f"{served}/mines/4")
    expect(buyer.get_by_role("heading", level=1)).to_contain_text("SUSPENDED")


def test_a_buyer_reads_the_public_layer_and_downloads_a_cited_document(
    explored: Explored, served: str, buyer: Page
) -> None:
    ore = explored.summary.ore_lots[sc.ORE_LOTS[0].ref]
    buyer.goto(f"{served}/lots/{ore}")
    version = buyer.get_by_role("article").filter(
        has=buyer.get_by_role("heading", name="Version 1", exact=True)
    )
    expect(version.locator('dd[data-status="checked"]')).to_have_count(8)
    expect(version.locator('dd[data-status="withheld"]')).to_have_count(2)
    expect(version.locator('dd[data-status="withheld"]').first).to_have_text(
        "withheld (encrypted in the confidential layer)"
    )
    expect(version.locator("p.layer")).to_contain_text("Confidential layer present: producer, conformity")

    buyer.goto(f"{served}/lots/{explored.bar}")
    link = buyer.get_by_role("link", name=f"Assay certificate {sc.REFINING_BATCH}-1", exact=True)
    with buyer.expect_download() as download_info:
        link.click()
    download = download_info.value
    path = download.path()
    assert path is not None
    assert path.read_bytes() == sc.scenario_documents()["assay-bar-1.pdf"]
    assert download.suggested_filename.startswith("bafkrei")


def test_a_plant_manager_follows_the_link_to_the_dashboard_and_sees_its_charts(
    explored: Explored, served: str, buyer: Page
) -> None:
    plant = sc.Cast.dev().plant.address
    buyer.goto(f"{served}/participants/{plant}")
    buyer.get_by_role("link", name="its plant dashboard").click()
    expect(buyer).to_have_url(f"{served}/plants/{plant}")
    expect(buyer.get_by_role("heading", level=1)).to_have_text(re.compile(rf"^{re.escape(sc.PLANT_NAME)}"))
    # One bar per month and mine (the four mines delivered in one month), per mine, and per campaign.
    for chart, bars in (("intake", 4), ("capacity", 4), ("recovery", 1)):
        expect(buyer.locator(f"svg.chart.{chart}")).to_have_count(1)
        expect(buyer.locator(f"svg.chart.{chart} g.bar rect")).to_have_count(bars)
    expect(buyer.locator("svg.chart.recovery g.bar")).to_contain_text("92.9 % recovered")
