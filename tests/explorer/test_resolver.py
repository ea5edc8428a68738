"""The lot page as a resolver (RFC 9264 link sets, by Accept header or `linkType`), and a bar's serial number
on its page, in its JSON and in search, over the demo chain (whose refiner stamps its bars)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import _scenario as sc
import filon
from filon.explorer import create_app
from filon.explorer._models import LotOut
from filon.explorer.routes.resolver import linkset

from .conftest import Explored

LINKSET = "application/linkset+json"
BASE = "http://testserver"


def _expected(explored: Explored, lot_id: int, base: str = BASE) -> dict[str, object]:
    """The link set a lot should have, from its JSON: its passport's CID and its credentials' CIDs."""
    body = explored.client.get(f"/api/lots/{lot_id}").json()
    uri = body["passport_versions"][-1]["uri"]
    assert uri.startswith("ipfs://")
    page = f"{base}/lots/{lot_id}"
    links: dict[str, object] = {
        "anchor": page,
        "https://gs1.org/voc/defaultLink": [{"href": page, "type": "text/html"}],
        "https://gs1.org/voc/pip": [{"href": page, "type": "text/html"}],
        "alternate": [{"href": f"{base}/api/lots/{lot_id}", "type": "application/json"}],
        "https://gs1.org/voc/traceability": [
            {"href": f"{base}/api/lots/{lot_id}/epcis", "type": "application/ld+json"}
        ],
        "describedby": [
            {
                "href": f"{base}/ipfs/{uri.removeprefix('ipfs://')}?format=raw",
                "type": "application/vnd.ipld.raw",
            }
        ],
    }
    if body["credentials"]:
        links["https://gs1.org/voc/certificationInfo"] = [
            {"href": f"{base}/ipfs/{c['cid']}?format=raw", "type": "application/vnd.ipld.raw"}
            for c in body["credentials"]
        ]
    return {"linkset": [links]}


def test_the_bar_answers_its_link_set_to_a_program(explored: Explored) -> None:
    bar = explored.bar

    answer = explored.client.get(f"/lots/{bar}", headers={"Accept": LINKSET})

    assert answer.status_code == 200
    assert answer.headers["content-type"] == LINKSET
    assert answer.headers["vary"] == "Accept"
    assert answer.json() == _expected(explored, bar)
    (credential,) = explored.client.get(f"/api/lots/{bar}").json()["credentials"]
    assert answer.json()["linkset"][0]["https://gs1.org/voc/certificationInfo"] == [
        {"href": f"{BASE}/ipfs/{credential['cid']}?format=raw", "type": "application/vnd.ipld.raw"}
    ]


def test_link_type_asks_for_the_link_set_without_a_header(explored: Explored) -> None:
    dore = explored.summary.dore_id

    for link_type in ("linkset", "all"):
        answer = explored.client.get(f"/lots/{dore}", params={"linkType": link_type})
        assert (answer.status_code, answer.headers["content-type"]) == (200, LINKSET)
        assert answer.json() == _expected(explored, dore)
    assert "https://gs1.org/voc/certificationInfo" not in answer.json()["linkset"][0]  # no credential


@pytest.mark.parametrize(
    "accept",
    [
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",  # a browser
        "*/*",
        f"{LINKSET};q=0",
        "",
    ],
)
def test_people_get_the_page_which_points_to_the_link_set(explored: Explored, accept: str) -> None:
    bar = explored.bar

    answer = explored.client.get(f"/lots/{bar}", headers={"Accept": accept}, params={"linkType": "pip"})

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["vary"] == "Accept"
    assert answer.headers["link"] == (
        f'<{BASE}/lots/{bar}?linkType=linkset>; rel="linkset"; type="{LINKSET}"'
    )


def test_a_weighted_accept_header_names_the_link_set(explored: Explored) -> None:
    accept = f"text/html;q=0.5, {LINKSET};q=0.9"
    answer = explored.client.get(f"/lots/{explored.bar}", headers={"Accept": accept})
    assert answer.headers["content-type"] == LINKSET


def test_an_unknown_lot_is_a_404_in_json_when_links_are_asked_for(explored: Explored) -> None:
    for answer in (
        explored.client.get("/lots/7", headers={"Accept": LINKSET}),
        explored.client.get("/lots/7", params={"linkType": "linkset"}),
    ):
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/json"
        assert answer.headers["vary"] == "Accept"
        assert answer.json() == {"detail": "No lot has id 7."}
    page = explored.client.get("/lots/7")
    assert (page.status_code, page.headers["content-type"].split(";")[0]) == (404, "text/html")


def test_the_link_set_follows_the_public_url(explored: Explored) -> None:
    client = TestClient(create_app(explored.index, explored.store, public_url="https://trace.example.org/x"))
    bar = explored.bar

    answer = client.get(f"/lots/{bar}", headers={"Accept": LINKSET})

    assert answer.json() == _expected(explored, bar, base="https://trace.example.org/x")


def test_a_lot_without_a_published_passport_links_no_passport(explored: Explored) -> None:
    # A passport recorded with a URI that is no ipfs:// CID (an ERP's own link, or none): nothing to serve.
    page = LotOut.model_validate(explored.client.get(f"/api/lots/{explored.bar}").json())
    versions = [
        v.model_copy(update={"uri": "https://erp.example/passports/7"}) for v in page.passport_versions
    ]
    unpublished = page.model_copy(update={"passport_versions": versions, "credentials": []})

    assert linkset(unpublished, BASE, f"{BASE}/api/lots/{page.id}") == {
        "linkset": [
            {
                "anchor": page.url,
                "https://gs1.org/voc/defaultLink": [{"href": page.url, "type": "text/html"}],
                "https://gs1.org/voc/pip": [{"href": page.url, "type": "text/html"}],
                "alternate": [{"href": f"{BASE}/api/lots/{page.id}", "type": "application/json"}],
                "https://gs1.org/voc/traceability": [
                    {"href": f"{BASE}/api/lots/{page.id}/epcis", "type": "application/ld+json"}
                ],
            }
        ]
    }


def test_the_qr_code_encodes_the_resolvable_address(explored: Explored) -> None:
    # The QR code encodes the lot's address, which is what answers the link set.
    body = explored.client.get(f"/api/lots/{explored.bar}").json()
    assert body["url"] == f"{BASE}/lots/{explored.bar}"
    assert (
        explored.client.get(body["url"], headers={"Accept": LINKSET}).json()["linkset"][0]["anchor"]
        == body["url"]
    )


# ---------------------------------------------------------------------------------------------- serials


def test_a_bar_shows_its_serial_and_brand(explored: Explored) -> None:
    refiner = sc.Cast.dev().refiner.address
    for bar, serial in zip(explored.summary.bar_ids, sc.BAR_SERIALS, strict=True):
        body = explored.client.get(f"/api/lots/{bar}").json()
        assert (body["serial"], body["refiner"], body["brand"]) == (serial, refiner, sc.REFINER_NAME)
        page = explored.client.get(f"/lots/{bar}").text
        assert f'<dt>Serial number</dt><dd class="serial">{serial}</dd>' in page
        assert (
            f'<span class="brand">{sc.REFINER_NAME}</span>, refiner <a href="/participants/{refiner}">'
            in page
        )
        assert f"<code>{refiner}</code>" in page
    dore = explored.client.get(f"/api/lots/{explored.summary.dore_id}").json()
    assert (dore["serial"], dore["refiner"], dore["brand"]) == (None, None, None)
    assert "Serial number" not in explored.client.get(f"/lots/{explored.summary.dore_id}").text


def test_search_finds_a_bar_by_its_serial(explored: Explored) -> None:
    second = explored.summary.bar_ids[1]

    found = explored.client.get("/api/search", params={"q": sc.BAR_SERIALS[1]}).json()

    assert [(lot["id"], lot["found_by"]) for lot in found["lots"]] == [(second, "serial")]
    page = explored.client.get("/search", params={"q": sc.BAR_SERIALS[1]})
    assert "(found by its refiner's serial number)" in page.text


# ---------------------------------------------------------------------------------------------- EPCIS


def _without_creation(document: dict[str, object]) -> dict[str, object]:
    """An EPCIS document without its `creationDate` (when it was written, not what it says)."""
    return {key: value for key, value in document.items() if key != "creationDate"}


def test_the_traceability_link_answers_the_chains_epcis_document(explored: Explored) -> None:
    for lot in (explored.bar, explored.summary.dore_id, next(iter(explored.summary.ore_lots.values()))):
        answer = explored.client.get(f"/api/lots/{lot}/epcis")

        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/ld+json"
        document = answer.json()
        assert _without_creation(document) == _without_creation(explored.reader.epcis(filon.LotId(lot)))
    assert len(document["epcisBody"]["eventList"]) >= 1


def test_the_epcis_of_an_unknown_lot_or_a_tree_too_large_is_refused(
    explored: Explored, monkeypatch: pytest.MonkeyPatch
) -> None:
    unknown = explored.client.get("/api/lots/999999/epcis")
    monkeypatch.setattr("filon.explorer._views.MAX_PROVENANCE_LOTS", 3)
    large = explored.client.get(f"/api/lots/{explored.bar}/epcis")

    assert (unknown.status_code, unknown.json()) == (404, {"detail": "No lot has id 999999."})
    ancestry = len(explored.reader.provenance(explored.bar).lots)
    assert (large.status_code, large.json()) == (
        400,
        {
            "detail": f"Lot {explored.bar}'s ancestry holds {ancestry} lots, more than the 3 this export "
            "reads from the index: export it with `filon passport epcis` (or Client.epcis)"
        },
    )
