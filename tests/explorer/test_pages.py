"""The explorer's HTML pages: what a buyer reads, with no script, accessible, escaped."""

from __future__ import annotations

import datetime
import html
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

import _scenario as sc
import filon
from filon.explorer._graph import MAX_GRAPH_LOTS, provenance_svg
from filon.explorer._models import LotOut, LotSummary, MineSummary, ProvenanceOut

from .conftest import Explored

SVG = "{http://www.w3.org/2000/svg}"


class _Page(HTMLParser):
    """What the accessibility checks need from a page: scripts, images, form controls and their labels."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts = 0
        self.images: list[dict[str, str | None]] = []
        self.controls: list[dict[str, str | None]] = []
        self.labels: set[str] = set()
        self.headings: list[str] = []
        self.has_main = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            self.scripts += 1
        elif tag == "img":
            self.images.append(attributes)
        elif tag in ("input", "select", "textarea"):
            self.controls.append(attributes)
        elif tag == "label" and attributes.get("for"):
            self.labels.add(str(attributes["for"]))
        elif tag in ("h1", "h2", "h3"):
            self.headings.append(tag)
        elif tag == "main":
            self.has_main = True


def _checked(text: str) -> _Page:
    """The page, after the checks every page must pass: no script, alt text, labels, one h1, a main."""
    page = _Page()
    page.feed(text)
    assert page.scripts == 0
    assert all(image.get("alt") for image in page.images)
    for control in page.controls:
        if control.get("type") not in ("hidden", "submit"):
            assert control.get("id") in page.labels, control
    assert page.headings.count("h1") == 1 and page.headings[0] == "h1"
    assert page.has_main
    return page


def _text(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def _svg(page: str) -> ET.Element:
    match = re.search(r"<svg .*?</svg>", page, re.S)
    assert match is not None
    return ET.fromstring(match.group(0))  # well-formed XML, or this raises


def test_home_lists_the_mines_and_counts(explored: Explored) -> None:
    response = explored.client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src" not in response.headers["content-security-policy"]  # default-src 'none': no script
    _checked(response.text)
    text = _text(response.text)
    assert "Lots 9 Mines 4" in text
    for mine in (1, 2, 3):
        assert f"Mine {mine} PE ACTIVE" in text
    assert "Mine 4 PE SUSPENDED" in text
    assert 'action="/search"' in response.text and 'name="q"' in response.text


def test_lot_page_shows_what_a_buyer_must_see(explored: Explored) -> None:
    bar, reader, cast = explored.bar, explored.reader, sc.Cast.dev()
    response = explored.client.get(f"/lots/{bar}")
    assert response.status_code == 200
    page = _checked(response.text)
    text = _text(response.text)
    assert f"Lot {bar} refined live" in text
    assert "Fine gold 100.000 g Gross mass 100.010 g (fineness 999.9 ‰)" in text
    assert f"Holder Orfebrería Miraflores S.A.C. (manufacturer), {cast.jeweller.address}" in text
    assert f"Made from lot {explored.summary.dore_id}" in text
    assert "ORIGIN_SUSPENDED Gold in this lot comes from mine 4, which is now suspended." in text
    footprint = reader.carbon(filon.LotId(bar))
    assert f"{footprint.total_kg_co2e:.1f} kg CO 2 e embodied in this lot" in text
    for mine, kg in footprint.by_mine.items():
        assert f"Extraction at mine {mine} {kg:.1f}" in text
    for entry in reader.history(filon.LotId(bar)):
        assert f'title="{entry.transaction_hash}"' in response.text
    for version in reader.passport_versions(filon.LotId(bar)):
        assert f'title="0x{version.root.hex()}"' in response.text and version.uri in text
    assert f'action="/lots/{bar}/verify" enctype="multipart/form-data"' in response.text
    assert [c.get("type") for c in page.controls] == ["search", "file"]
    assert page.images == [
        {
            "class": "qr",
            "src": f"/lots/{bar}/qr.svg",
            "width": "168",
            "height": "168",
            "alt": f"QR code of this page's address, http://testserver/lots/{bar}",
        }
    ]


def test_the_provenance_graph_runs_from_the_mines_to_the_lot(explored: Explored) -> None:
    bar, summary = explored.bar, explored.summary
    svg = _svg(explored.client.get(f"/lots/{bar}").text)
    nodes = {}
    for link in svg.iter(f"{SVG}a"):
        rect = link.find(f"{SVG}rect")
        assert rect is not None
        texts = [t.text for t in link.iter(f"{SVG}text")]
        nodes[link.get("href")] = (float(rect.get("x", "nan")), texts, rect.get("fill"))
    mines = {
        f"/mines/{i}": status for i, status in ((1, "ACTIVE"), (2, "ACTIVE"), (3, "ACTIVE"), (4, "SUSPENDED"))
    }
    for href, status in mines.items():
        assert nodes[href][1] == [f"Mine {href[-1]} · PE", status]
    assert nodes["/mines/4"][2] != nodes["/mines/1"][2]  # colour as well as words
    ore = [f"/lots/{i}" for i in summary.ore_lots.values()]
    dore, target = f"/lots/{summary.dore_id}", f"/lots/{bar}"
    assert set(nodes) == {*mines, *ore, dore, target}
    assert nodes[dore][1] == [f"Lot {summary.dore_id}", "doré · 174.600 g"]
    assert nodes[target][1] == [f"Lot {bar}", "refined · 100.000 g"]
    # Layered left to right: mines, then ore lots, then the doré, then the bar.
    columns = [{nodes[h][0] for h in group} for group in (mines, ore, [dore], [target])]
    assert all(len(column) == 1 for column in columns)
    xs = [column.pop() for column in columns]
    assert xs == sorted(xs) and len(set(xs)) == 4
    title = svg.find(f"{SVG}title")
    assert title is not None and title.text == f"Provenance of lot {bar}: 7 lots from 4 mines"


def test_mine_page_shows_permit_capacity_and_lots(explored: Explored) -> None:
    response = explored.client.get("/mines/4")
    assert response.status_code == 200
    _checked(response.text)
    text = _text(response.text)
    expiry = explored.reader.mine(filon.MineId(4)).permit_expiry
    day = datetime.datetime.fromtimestamp(expiry, datetime.UTC)
    assert "Mine 4 PE SUSPENDED" in text
    assert f"Permit until {day:%Y-%m-%d %H:%M:%S} UTC: valid at the last block read" in text
    assert "Yearly capacity 12,000.000 g of fine gold" in text
    assert "35.200 g, 0.3% of its capacity" in text
    assert "MINE_SUSPENDED Mine 4 is suspended: it can declare no more gold." in text
    lot = explored.summary.ore_lots["HUA-2025-0058"]
    assert f'<a href="/lots/{lot}">Lot {lot}</a>' in response.text
    assert "HUA-2025-0058 35.200 g 2,200,000.000 g consumed" in text


def test_verify_pages_say_match_or_mismatch(explored: Explored) -> None:
    bar = explored.bar
    genuine = sc.scenario_documents()["assay-bar-1.pdf"]
    match = explored.client.post(f"/lots/{bar}/verify", files={"document": ("assay.pdf", genuine)})
    assert match.status_code == 200
    _checked(match.text)
    text = _text(match.text)
    assert "MATCH" in text and "MISMATCH" not in text
    assert f"Lot {bar} cites this document in passport version 2, field conformity (item 1)." in text
    assert f"Document Assay certificate {sc.REFINING_BATCH}-1 Type assay_certificate" in text
    assert f"Issuer {sc.REFINER_NAME}" in text
    tampered = explored.client.post(f"/lots/{bar}/verify", files={"document": ("assay.pdf", genuine + b"\n")})
    text = _text(tampered.text)
    assert "MISMATCH No published passport version of lot" in text
    assert f"of lot {bar} or of the 6 lots it was made from cites a document with these bytes." in text


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/lots/7", 404, "No lot has id 7."),
        ("/mines/9", 404, "No mine has id 9."),
        ("/lots/abc", 422, "A lot id is a whole number from 0 to 2^256 - 1, not 'abc'."),
        ("/mines/-3", 422, "A mine id is a whole number from 0 to 2^256 - 1, not '-3'."),
        ("/nowhere", 404, "There is no page at this address."),
        ("/search?q=" + "x" * 201, 422, "A search is at most 200 characters long."),
    ],
)
def test_errors_are_pages_with_a_message(explored: Explored, path: str, status: int, message: str) -> None:
    response = explored.client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    _checked(response.text)
    assert message in _text(response.text)


def test_a_check_without_a_document_asks_for_one(explored: Explored) -> None:
    response = explored.client.post(f"/lots/{explored.bar}/verify", data={"note": "no file"})
    assert response.status_code == 422
    _checked(response.text)
    assert "Choose a document to verify (the form field is named document)." in _text(response.text)


def test_a_post_to_a_page_is_405_with_a_message(explored: Explored) -> None:
    response = explored.client.post(f"/lots/{explored.bar}")
    assert response.status_code == 405
    assert "This address does not answer POST requests." in _text(response.text)


def test_what_a_visitor_types_is_escaped(explored: Explored) -> None:
    response = explored.client.get("/search", params={"q": '<script>alert("x")</script>'})
    assert response.status_code == 200
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text
    upload = explored.client.post(
        f"/lots/{explored.bar}/verify", files={"document": ("<img src=x onerror=alert(1)>.pdf", b"%PDF")}
    )
    assert "<img src=x" not in upload.text
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in upload.text


# ---------------------------------------------------------------------------------------------- the drawing


def _chain_page(lots: int) -> LotOut:
    """A lot page for a chain of `lots` lots: one ore lot of mine 1, refined again and again."""
    chain = [
        LotSummary(
            id=i,
            form="ore" if i == 1 else "refined",
            fine_gold_mg=1_000,
            gross_mass_mg=1_000,
            mine_id=1 if i == 1 else None,
            consumed=i < lots,
            holder=None,
            external_ref="",
        )
        for i in range(1, lots + 1)
    ]
    mine = MineSummary(
        id=1,
        operator="0x" + "11" * 20,
        country="PE",
        status="revoked",
        permit_expiry=0,
        permit_expired=True,
        capacity_mg=1,
        declared_this_year_mg=0,
    )
    return LotOut.model_validate(
        {
            "id": lots,
            "holder": None,
            "form": "refined",
            "fine_gold_mg": 1_000,
            "gross_mass_mg": 1_000,
            "consumed": False,
            "external_ref": "",
            "mine_id": None,
            "parents": [lots - 1],
            "children": [],
            "mines": [mine],
            "passport_versions": [],
            "custody": [],
            "provenance": ProvenanceOut(lots=chain, edges=[(i, i + 1) for i in range(1, lots)]),
            "carbon_kg_co2e": None,
            "carbon": None,
            "carbon_note": None,
            "flags": [],
            "flags_note": None,
            "credentials": [],
            "url": "http://x/lots/1",
            "qr": "http://x/lots/1/qr.svg",
            "qr_png": "http://x/lots/1/qr.png",
        }
    )


def test_a_long_chain_is_drawn_one_column_per_step() -> None:
    drawing = provenance_svg(_chain_page(MAX_GRAPH_LOTS), root="/explorer")
    assert drawing is not None
    svg = ET.fromstring(str(drawing))
    hrefs = [a.get("href") for a in svg.iter(f"{SVG}a")]
    assert hrefs[-1] == "/explorer/mines/1" and len(hrefs) == MAX_GRAPH_LOTS + 1
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert texts[-2:] == ["Mine 1 · PE", "REVOKED, permit expired"]
    xs = [float(r.get("x", "nan")) for r in svg.iter(f"{SVG}rect")]
    assert xs[:-1] == sorted(xs[:-1]) and len(set(xs)) == MAX_GRAPH_LOTS + 1


def test_an_ancestry_too_large_to_draw_is_summarised() -> None:
    assert provenance_svg(_chain_page(MAX_GRAPH_LOTS + 1)) is None
