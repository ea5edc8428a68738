"""The public layer of passports on the lot page and in the API, the document download route, and a scan for
the confidential fields (the ore lots' miners) in everything the explorer and its index hold or serve."""

from __future__ import annotations

import hashlib
import logging
import sqlite3

import pytest

import _scenario as sc
from filon.explorer._models import PassportVersionOut
from filon.explorer._views_passports import public_layers
from filon.passport import DocumentStore, cid_for_sha256, field_names

from .conftest import Explored

ORE_WITHHELD = ["producer", "conformity"]


def _versions(explored: Explored, lot: int) -> list[dict[str, object]]:
    response = explored.client.get(f"/api/lots/{lot}")
    assert response.status_code == 200
    versions: list[dict[str, object]] = response.json()["passport_versions"]
    return versions


def test_the_api_shows_each_versions_checked_fields_and_names_the_withheld(explored: Explored) -> None:
    first = sc.ORE_LOTS[0]
    ore = explored.summary.ore_lots[first.ref]
    version, receipt = _versions(explored, ore)  # the miner's declaration, then the plant's receipt

    published = version["published"]
    assert isinstance(published, dict)
    fields = {field["name"]: field for field in published["fields"]}
    assert list(fields) == list(field_names("1.0"))
    assert [name for name, field in fields.items() if field["status"] == "withheld"] == ORE_WITHHELD
    assert all(fields[name]["value"] is None for name in ORE_WITHHELD)
    spec = next(m for m in sc.MINES if m.key == first.mine)
    assert fields["facility"]["status"] == "checked"
    assert fields["facility"]["value"]["name"] == spec.name  # type: ignore[index]
    assert fields["carbon"]["value"] == {  # type: ignore[comparison-overlap]
        "kg_co2e": first.kg_co2e,
        "scope": [1, 2],
        "method": sc.ORE_METHOD,
        "boundary": sc.ORE_BOUNDARY,
    }
    layer = published["confidential_layer"]
    assert layer["cipher"] == "AES-256-GCM" and layer["fields"] == ORE_WITHHELD
    assert explored.store.has(layer["cid"])
    assert published["documents"] == []  # its permit and CRAFT report are cited only in the layer
    assert version["published_note"] is None
    # The plant's version keeps the miner's fields confidential and publishes its receipt.
    received = receipt["published"]
    assert isinstance(received, dict)
    statuses = {field["name"]: field["status"] for field in received["fields"]}
    assert list(statuses) == list(field_names("1.1"))
    assert [name for name, status in statuses.items() if status == "withheld"] == ORE_WITHHELD
    assert statuses["receipt"] == "checked"


def test_the_api_lists_the_documents_a_passport_cites_with_their_download(explored: Explored) -> None:
    versions = _versions(explored, explored.bar)

    assert [v["version"] for v in versions] == [1, 2]
    published = versions[1]["published"]
    assert isinstance(published, dict) and published["confidential_layer"] is None
    assert all(field["status"] == "checked" for field in published["fields"])
    data = sc.scenario_documents()["assay-bar-1.pdf"]
    cid = cid_for_sha256(hashlib.sha256(data).hexdigest())
    assert published["documents"] == [
        {
            "type": "assay_certificate",
            "issuer": sc.REFINER_NAME,
            "date": "2025-06-12",
            "name": f"Assay certificate {sc.REFINING_BATCH}-1",
            "sha256": hashlib.sha256(data).hexdigest(),
            "cid": cid,
            "download": f"/documents/{cid}",
        }
    ]


def test_a_document_downloads_as_an_attachment_after_its_bytes_are_checked(explored: Explored) -> None:
    data = sc.scenario_documents()["oecd-annex-ii-plant.pdf"]
    cid = cid_for_sha256(hashlib.sha256(data).hexdigest())

    response = explored.client.get(f"/documents/{cid}")

    assert response.status_code == 200 and response.content == data
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == f'attachment; filename="{cid}"'
    assert response.headers["x-content-type-options"] == "nosniff"
    unknown = cid_for_sha256(hashlib.sha256(b"never stored").hexdigest())
    missing = explored.client.get(f"/documents/{unknown}")
    assert missing.status_code == 404 and f"This store holds no document {unknown}." in missing.text
    malformed = explored.client.get("/documents/not-a-cid")
    assert malformed.status_code == 400
    assert explored.client.get("/documents/" + "b" * 201).status_code == 400


def test_the_lot_page_shows_the_public_layer(explored: Explored) -> None:
    ore = explored.summary.ore_lots[sc.ORE_LOTS[0].ref]

    page = explored.client.get(f"/lots/{ore}").text

    assert "Passports: the public layer" in page
    assert page.count('data-status="withheld"') == 4  # two in each version: the miner's and the plant's
    assert "Confidential layer present: producer, conformity, encrypted with\n  AES-256-GCM" in page
    assert sc.ORE_METHOD in page and sc.ORE_BOUNDARY in page
    bar = explored.client.get(f"/lots/{explored.bar}").text
    assert 'data-status="withheld"' not in bar
    assert f"Assay certificate {sc.REFINING_BATCH}-1</a>" in bar


def test_no_confidential_field_is_in_the_index_the_pages_or_the_logs(
    explored: Explored, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    markers = [spec.operator_name for spec in sc.MINES]
    lots = [*explored.summary.ore_lots.values(), explored.summary.dore_id, *explored.summary.bar_ids]
    paths = ["/", "/mines/1", "/api/mines/1", f"/search?q={sc.MINES[0].name}"]
    paths += [path for lot in lots for path in (f"/lots/{lot}", f"/api/lots/{lot}")]

    bodies = [explored.client.get(path).text for path in paths]

    with sqlite3.connect(explored.folder / "index.sqlite") as database:
        dump = "\n".join(database.iterdump())
    assert len(dump) > 10_000 and len(bodies) == 4 + 2 * len(lots)
    for marker in markers:
        assert marker not in dump
        assert [path for path, body in zip(paths, bodies, strict=True) if marker in body] == []
        assert marker not in caplog.text
        assert all(marker not in line for line in explored.summary.log)


def test_a_version_whose_package_is_missing_or_does_not_check_out_says_why(
    explored: Explored, tmp_path_factory: pytest.TempPathFactory
) -> None:
    first, second = (PassportVersionOut.model_validate(v) for v in _versions(explored, explored.bar))
    crossed = second.model_copy(update={"uri": first.uri})  # version 1's package under version 2's root
    empty = DocumentStore(tmp_path_factory.mktemp("empty"))

    (missing,) = public_layers(empty, explored.bar, [first])
    (mismatched,) = public_layers(explored.store, explored.bar, [crossed])

    assert missing.published is None and missing.published_note == (
        "Its package is not in this explorer's document store (or its URI is not an ipfs:// CID)."
    )
    assert mismatched.published is None
    assert mismatched.published_note is not None
    assert mismatched.published_note.startswith("Its package does not check out against the root recorded")
