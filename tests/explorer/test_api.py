"""The explorer's JSON API over an index synced from a real chain: exact values, checked against the chain."""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import math
import os
import re
import select
import shutil
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import segno
from fastapi.testclient import TestClient
from web3 import Web3

import _scenario as sc
import filon
from filon import InvalidInput
from filon.explorer import create_app
from filon.explorer._models import CarbonOut
from filon.explorer._responses import json_body
from filon.index import open_index
from servers import serve_app

from .conftest import Explored

SUSPENDED_MESSAGE = "Gold in this lot comes from mine 4, which is now suspended."


def test_a_bar_reads_as_the_chain_says(explored: Explored) -> None:
    bar, reader, cast = explored.bar, explored.reader, sc.Cast.dev()
    body = explored.client.get(f"/api/lots/{bar}").json()
    on_chain = reader.lot(filon.LotId(bar))
    assert on_chain.fine_gold_mg == 100_000
    assert (body["id"], body["holder"], body["form"], body["consumed"]) == (
        bar,
        cast.jeweller.address,
        "refined",
        False,
    )
    assert (body["fine_gold_mg"], body["gross_mass_mg"]) == (on_chain.fine_gold_mg, on_chain.gross_mass_mg)
    assert (body["external_ref"], body["mine_id"]) == ("", None)
    assert body["parents"] == [explored.summary.dore_id]
    assert body["children"] == []
    mines = [(m["id"], m["country"], m["status"], m["operator"], m["permit_expiry"]) for m in body["mines"]]
    assert mines == [
        (i, "PE", status, cast.miners[key].address, reader.mine(filon.MineId(i)).permit_expiry)
        for i, key, status in (
            (1, "santa-rosa", "active"),
            (2, "cerro-rico", "active"),
            (3, "virgen-del-carmen", "active"),
            (4, "huanca", "suspended"),
        )
    ]
    assert [m["permit_expired"] for m in body["mines"]] == [False] * 4
    assert body["flags"] == [
        {
            "code": "ORIGIN_SUSPENDED",
            "message": SUSPENDED_MESSAGE,
            "oecd_category": "Bribery and fraudulent misrepresentation of the origin of minerals",
            "lbma_step": "suspend",
        }
    ]
    assert body["flags_note"] is None
    assert body["url"] == f"http://testserver/lots/{bar}"
    assert (body["qr"], body["qr_png"]) == (body["url"] + "/qr.svg", body["url"] + "/qr.png")


def test_a_bars_passports_custody_and_provenance_are_the_chains(explored: Explored) -> None:
    bar, reader, cast = filon.LotId(explored.bar), explored.reader, sc.Cast.dev()
    body = explored.client.get(f"/api/lots/{bar}").json()
    history = reader.history(bar)
    produced, recorded, transferred = history
    assert isinstance(produced, filon.Produced) and isinstance(recorded, filon.PassportRecorded)
    assert isinstance(transferred, filon.Transferred)
    versions = reader.passport_versions(bar)
    assert [(v["version"], v["root"], v["uri"]) for v in body["passport_versions"]] == [
        (v.version, "0x" + v.root.hex(), v.uri) for v in versions
    ]
    assert [v["version"] for v in body["passport_versions"]] == [1, 2]
    assert [(v["block_number"], v["transaction_hash"]) for v in body["passport_versions"]] == [
        (produced.block_number, produced.transaction_hash),
        (recorded.block_number, recorded.transaction_hash),
    ]
    web3 = explored.web3
    assert [v["timestamp"] for v in body["passport_versions"]] == [
        web3.eth.get_block(e.block_number)["timestamp"] for e in (produced, recorded)
    ]
    assert [
        (c["event"], c["from_address"], c["to_address"], c["transaction_hash"]) for c in body["custody"]
    ] == [
        ("produced", None, cast.refiner.address, produced.transaction_hash),
        ("transferred", cast.refiner.address, cast.jeweller.address, transferred.transaction_hash),
    ]
    provenance = reader.provenance(bar)
    assert [lot["id"] for lot in body["provenance"]["lots"]] == sorted(provenance.lots)
    assert [tuple(edge) for edge in body["provenance"]["edges"]] == list(provenance.edges)
    ore = {lot["external_ref"]: lot["id"] for lot in body["provenance"]["lots"] if lot["form"] == "ore"}
    assert ore == explored.summary.ore_lots


def test_a_consumed_lot_names_what_it_was_consumed_into(explored: Explored) -> None:
    summary, cast = explored.summary, sc.Cast.dev()
    dore = explored.client.get(f"/api/lots/{summary.dore_id}").json()
    assert (dore["form"], dore["consumed"], dore["holder"]) == ("dore", True, None)
    assert dore["children"] == sorted(summary.bar_ids)
    assert dore["custody"][-1]["event"] == "consumed"
    assert dore["custody"][-1]["from_address"] == cast.refiner.address
    assert dore["custody"][-1]["outputs"] == sorted(summary.bar_ids)
    assert dore["parents"] == sorted(summary.ore_lots.values())


def test_carbon_is_the_clients_roll_up(explored: Explored) -> None:
    footprint = explored.reader.carbon(filon.LotId(explored.bar))
    body = explored.client.get(f"/api/lots/{explored.bar}").json()
    assert body["carbon_kg_co2e"] == footprint.total_kg_co2e
    assert body["carbon"] == {
        "total_kg_co2e": footprint.total_kg_co2e,
        "by_mine": [{"mine_id": m, "kg_co2e": kg} for m, kg in footprint.by_mine.items()],
        "transformations_kg_co2e": footprint.transformations_kg_co2e,
        "own_kg_co2e": 4.0,
        "unreported_lots": [],
    }
    assert sorted(footprint.by_mine) == [1, 2, 3, 4]
    assert body["carbon_note"] is None


def test_a_kept_page_is_served_until_the_store_changes_then_read_again(
    explored: Explored, tmp_path: pytest.TempPathFactory
) -> None:
    """The API's JSON and the HTML page are kept as served (`Explorer.bodies`) under the index's and the
    store's marks: the same bytes while nothing changed, the new truth once the store gains the passports."""
    folder = Path(str(tmp_path)) / "store"
    folder.mkdir()
    os.utime(folder, ns=(10**18, 10**18))  # long unchanged: its mark can be trusted (not "racy")
    app = create_app(explored.index, filon.DocumentStore(folder))
    client = TestClient(app)
    bodies = app.state.explorer.explorer.bodies

    first = client.get(f"/api/lots/{explored.bar}")
    page = client.get(f"/lots/{explored.bar}")
    kept = sorted(kind for kind, lot, _ in bodies if lot == explored.bar)
    again = client.get(f"/api/lots/{explored.bar}")
    for document in explored.store.path.iterdir():
        if document.is_file():
            shutil.copy(document, folder / document.name)
    changed = 10**18 + 86_400 * 10**9  # a day after the first mark, and long ago: trusted
    os.utime(folder, ns=(changed, changed))
    after = client.get(f"/api/lots/{explored.bar}").json()

    assert first.json()["carbon"] is None and again.content == first.content
    assert first.headers["content-type"] == "application/json"
    assert kept == ["html ", "json"] and "<html" in page.text
    assert (
        after["carbon"] is not None
        and after["carbon_kg_co2e"]
        == explored.client.get(f"/api/lots/{explored.bar}").json()["carbon_kg_co2e"]
    )


def test_a_kept_body_is_what_fastapi_would_send_even_for_an_infinite_figure() -> None:
    """`json_body` is pydantic's own JSON, as FastAPI sends a response model: an infinite float (two ore
    lots reporting 1e308 kg add up to it) is `null`, not an error."""
    carbon = CarbonOut(
        total_kg_co2e=math.inf, by_mine=[], transformations_kg_co2e=0.0, own_kg_co2e=1e308, unreported_lots=[]
    )

    assert json.loads(json_body(carbon)) == {
        "total_kg_co2e": None,
        "by_mine": [],
        "transformations_kg_co2e": 0.0,
        "own_kg_co2e": 1e308,
        "unreported_lots": [],
    }


def test_without_the_passports_carbon_says_it_cannot_tell(
    explored: Explored, tmp_path: pytest.TempPathFactory
) -> None:
    app = create_app(explored.index, filon.DocumentStore(tmp_path))  # an empty store
    body = TestClient(app).get(f"/api/lots/{explored.bar}").json()
    assert body["carbon_kg_co2e"] is None and body["carbon"] is None
    assert body["carbon_note"] == (
        "No passport of this lot's ancestry reports its emissions, or the document store does not hold the "
        "passports."
    )
    codes = [flag["code"] for flag in body["flags"]]
    assert codes == ["ORIGIN_SUSPENDED", "DOCUMENT_MISSING", "DOCUMENT_MISSING"]


def test_unknown_and_malformed_ids_are_4xx_with_a_message(explored: Explored) -> None:
    client = explored.client
    assert client.get("/api/lots/7").status_code == 404
    assert client.get("/api/lots/7").json() == {"detail": "No lot has id 7."}
    huge = 2**64
    assert client.get(f"/api/lots/{huge}").json() == {"detail": f"No lot has id {huge}."}
    assert client.get("/api/mines/9").json() == {"detail": "No mine has id 9."}
    assert client.get("/api/mines/9").status_code == 404
    for path in ("/api/lots/abc", "/api/lots/-1", f"/api/lots/{2**256}", "/api/mines/1.5"):
        response = client.get(path)
        assert response.status_code == 422, path
        assert response.json()["detail"][0]["loc"][0] == "path"
    assert client.get("/api/lots/7/qr.svg").status_code == 404
    assert client.get("/lots/7/qr.svg").status_code == 404


def test_a_mine_reads_as_the_chain_says(explored: Explored) -> None:
    reader, cast = explored.reader, sc.Cast.dev()
    body = explored.client.get("/api/mines/4").json()
    huanca = reader.mine(filon.MineId(4))
    (snapshot,) = reader.register_snapshots()  # the register import that suspended it
    assert body == {
        "id": 4,
        "operator": cast.miners["huanca"].address,
        "country": "PE",
        "status": "suspended",
        "permit_expiry": huanca.permit_expiry,
        "permit_expired": False,
        "capacity_mg": 12_000_000,
        "declared_this_year_mg": 35_200,
        "year": huanca.year,
        "capacity_used_percent": 100 * 35_200 / 12_000_000,
        "remaining_mg": 12_000_000 - 35_200,
        "permit_hash": "0x" + huanca.permit_hash.hex(),
        "location_hash": "0x" + huanca.location_hash.hex(),
        "passport_hash": "0x" + huanca.passport_hash.hex(),
        "flags": [
            {
                "code": "MINE_SUSPENDED",
                "message": "Mine 4 is suspended: it can declare no more gold.",
                "oecd_category": "Bribery and fraudulent misrepresentation of the origin of minerals",
                "lbma_step": "suspend",
            }
        ],
        "credentials": [],
        "lots": [
            {
                "id": explored.summary.ore_lots["HUA-2025-0058"],
                "form": "ore",
                "fine_gold_mg": 35_200,
                "gross_mass_mg": 2_200_000_000,
                "mine_id": 4,
                "consumed": True,
                "holder": None,
                "external_ref": "HUA-2025-0058",
            }
        ],
        "lots_truncated": False,
        "name": "Huanca",
        "region": "Ayacucho",
        "record": {
            "name": "Huanca",
            "region": "Ayacucho",
            "district": "Saisa, Lucanas",
            "permit_number": "AIAE-027-2024-GRA/DREM",
            "register_code": "REINFO-027",
            "latitude": -14.53,
            "longitude": -73.92,
            "method": "artisanal",
        },
        "record_state": "verified",
        "record_note": "Published by the registrar: the stored record matches the hash on chain.",
        "register_snapshot": {
            "snapshot_hash": "0x" + snapshot.snapshot_hash.hex(),
            "snapshot_date": snapshot.snapshot_date,
            "block_number": snapshot.block_number,
            "transaction_hash": snapshot.transaction_hash,
        },
    }
    assert huanca.passport_hash == filon.record_hash(sc.MINES[3].record)
    assert explored.client.get("/api/mines/1").json()["register_snapshot"] is None  # active since registered
    santa_rosa = explored.client.get("/api/mines/1").json()
    ore = explored.summary.ore_lots
    assert [lot["id"] for lot in santa_rosa["lots"]] == [
        ore["SRC-2025-0142"],
        ore["SRC-2025-0141"],
    ]  # newest first
    assert (santa_rosa["status"], santa_rosa["flags"], santa_rosa["declared_this_year_mg"]) == (
        "active",
        [],
        78_400,
    )


def test_search_finds_lots_and_mines(explored: Explored) -> None:
    client, summary, cast = explored.client, explored.summary, sc.Cast.dev()

    def found(query: str) -> tuple[list[int], list[int]]:
        body = client.get("/api/search", params={"q": query}).json()
        assert body["query"] == query.strip()
        return [lot["id"] for lot in body["lots"]], [mine["id"] for mine in body["mines"]]

    assert found(str(explored.bar)) == ([explored.bar], [])
    assert found(" SRC-2025-0141 ") == ([summary.ore_lots["SRC-2025-0141"]], [])
    assert found("mine 3") == ([], [3])
    assert found(cast.miners["santa-rosa"].address) == ([], [1])  # its ore lots were consumed
    assert found(cast.jeweller.address.lower()) == (sorted(summary.bar_ids), [])
    assert found("1") == ([1], [1])  # lot 1 and mine 1
    assert found("no such thing") == ([], [])
    body = client.get("/api/search", params={"q": f"\x00{explored.bar}\t"}).json()  # controls are spaces
    assert (body["query"], [lot["id"] for lot in body["lots"]]) == (str(explored.bar), [explored.bar])
    assert found("") == ([], [])
    too_long = client.get("/api/search", params={"q": "x" * 201})
    assert too_long.status_code == 422


def test_search_page_redirects_to_a_single_result(explored: Explored) -> None:
    client = explored.client
    response = client.get("/search", params={"q": str(explored.bar)}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, f"/lots/{explored.bar}")
    response = client.get("/search", params={"q": "mine 4"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/mines/4")
    several = client.get("/search", params={"q": sc.Cast.dev().jeweller.address}, follow_redirects=False)
    assert several.status_code == 200
    for bar in explored.summary.bar_ids:
        assert f'href="/lots/{bar}"' in several.text
    nothing = client.get("/search", params={"q": "HUA-2025-0059"})  # the refused declaration
    assert nothing.status_code == 200
    assert "Nothing found for “HUA-2025-0059”." in nothing.text


def test_status_is_the_index_at_the_chains_head(explored: Explored) -> None:
    body = explored.client.get("/api/status").json()
    head = explored.web3.eth.get_block("latest")
    assert body == {
        "chain_id": explored.deployment.chain_id,
        "contract": explored.deployment.address,
        "deployment_block": explored.deployment.deployment_block,
        "last_block": head["number"],
        "last_block_time": head["timestamp"],
        "lots": 9,  # five ore lots, the doré, three bars
        "mines": 4,
    }
    home = explored.client.get("/api/").json()
    assert home["status"] == body
    assert [(m["id"], m["status"]) for m in home["mines"]] == [
        (1, "active"),
        (2, "active"),
        (3, "active"),
        (4, "suspended"),
    ]


# ---------------------------------------------------------------------------------------------- documents


def _verify(client: TestClient, lot: int, name: str, data: bytes) -> dict[str, object]:
    response = client.post(f"/api/lots/{lot}/verify", files={"document": (name, data, "application/pdf")})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_genuine_document_matches_its_version_and_field(explored: Explored) -> None:
    bar = explored.bar
    data = sc.scenario_documents()["assay-bar-1.pdf"]
    body = _verify(explored.client, bar, "assay-bar-1.pdf", data)
    match = explored.reader.verify_document(filon.LotId(bar), data)
    assert match is not None
    assert body == {
        "lot_id": bar,
        "match": True,
        "cited_by": bar,
        "version": match.version,
        "field": match.field,
        "index": match.index,
        "document": {
            "type": "assay_certificate",
            "issuer": sc.REFINER_NAME,
            "date": "2025-06-12",
            "sha256": match.document.sha256,
            "uri": match.document.uri,
            "name": f"Assay certificate {sc.REFINING_BATCH}-1",
        },
        "sha256": match.document.sha256,
        "size": len(data),
        "filename": "assay-bar-1.pdf",
        "checked_lots": 1,
        "unreadable_lots": [],
    }
    assert (match.version, match.field, match.index) == (2, "conformity", 0)


def test_a_document_of_an_ancestor_matches_and_names_it(explored: Explored) -> None:
    report = sc.scenario_documents()["oecd-annex-ii-plant.pdf"]
    body = _verify(explored.client, explored.bar, "oecd.pdf", report)
    dore = explored.summary.dore_id
    match = explored.reader.verify_document(filon.LotId(dore), report)
    assert match is not None
    assert (body["match"], body["cited_by"], body["version"], body["field"]) == (True, dore, 1, "conformity")
    assert body["document"] == {
        "type": "oecd_annex_ii_risk_assessment",
        "issuer": sc.PLANT_NAME,
        "date": "2025-05-27",
        "sha256": match.document.sha256,
        "uri": match.document.uri,
        "name": "OECD Annex II risk assessment",
    }


def test_a_confidential_document_matches_no_public_passport(explored: Explored) -> None:
    permit = sc.scenario_documents()["permit-huanca.pdf"]  # cited only in an ore lot's confidential layer
    body = _verify(explored.client, explored.bar, "permit.pdf", permit)
    assert (body["match"], body["checked_lots"]) == (False, 7)


def test_a_tampered_document_matches_nothing(explored: Explored) -> None:
    genuine = sc.scenario_documents()["permit-huanca.pdf"]
    tampered = genuine.replace(b"valid until", b"valid untiL")
    assert tampered != genuine
    body = _verify(explored.client, explored.bar, "permit.pdf", tampered)
    assert body["match"] is False
    assert (body["cited_by"], body["version"], body["field"], body["index"], body["document"]) == (None,) * 5
    assert body["checked_lots"] == 7  # the bar, the doré and five ore lots
    assert (
        explored.reader.verify_document(filon.LotId(explored.summary.ore_lots["HUA-2025-0058"]), tampered)
        is None
    )
    assert explored.client.post("/api/lots/7/verify", files={"document": ("a", b"x")}).json() == {
        "detail": "No lot has id 7."
    }
    missing = explored.client.post(f"/api/lots/{explored.bar}/verify", data={"other": "x"})
    assert missing.status_code == 422


# ---------------------------------------------------------------------------------------------- uploads


@pytest.fixture
def small(explored: Explored) -> Iterator[TestClient]:
    """An explorer that accepts documents of 1,000 bytes at most."""
    with TestClient(create_app(explored.index, explored.store, max_upload_bytes=1_000)) as client:
        yield client


TOO_LARGE = {"detail": "The document is larger than the 1,000 bytes this explorer accepts."}


def test_a_document_at_the_limit_is_checked(explored: Explored, small: TestClient) -> None:
    response = small.post(f"/api/lots/{explored.bar}/verify", files={"document": ("a.bin", b"x" * 1_000)})
    assert response.status_code == 200
    assert response.json()["size"] == 1_000


def test_a_document_over_the_limit_is_413(explored: Explored, small: TestClient) -> None:
    response = small.post(f"/api/lots/{explored.bar}/verify", files={"document": ("a.bin", b"x" * 1_001)})
    assert (response.status_code, response.json()) == (413, TOO_LARGE)
    page = small.post(f"/lots/{explored.bar}/verify", files={"document": ("a.bin", b"x" * 1_001)})
    assert page.status_code == 413
    assert "The document is larger than the 1,000 bytes this explorer accepts." in page.text


def test_a_body_declared_too_large_is_refused_before_it_is_read(
    explored: Explored, small: TestClient
) -> None:
    body = b"x" * (1_000 + 64 * 1024 + 1)
    response = small.post(
        f"/api/lots/{explored.bar}/verify",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert (response.status_code, response.json()) == (413, TOO_LARGE)


def test_a_body_without_a_length_is_counted_as_it_arrives(explored: Explored, small: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="document"; filename="a"\r\n\r\n'
        for _ in range(32):
            yield b"x" * 65_536

    response = small.post(
        f"/api/lots/{explored.bar}/verify",
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert (response.status_code, response.json()) == (413, TOO_LARGE)


def _length(answer: bytes) -> int:
    for line in answer.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def test_a_client_that_never_stops_sending_is_cut_off(explored: Explored) -> None:
    """Over a real socket: a chunked upload of 64 MiB to an explorer taking 1,000 bytes is answered 413 while
    the client is still sending, long before the end (what sits in the kernel's buffers aside)."""
    app = create_app(explored.index, explored.store, max_upload_bytes=1_000)
    chunk = b"x" * 65_536
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    with serve_app(app) as base:
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            # A well-formed start of a file part, so that only the size can be refused, however the bytes
            # arrive at the server's multipart parser.
            part = b'--b\r\nContent-Disposition: form-data; name="file"; filename="endless.pdf"\r\n\r\n'
            sock.sendall(
                f"POST /api/lots/{explored.bar}/verify HTTP/1.1\r\nHost: {host}\r\n"
                "Content-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
                + f"{len(part):x}\r\n".encode()
                + part
                + b"\r\n"
            )
            try:
                for _ in range(1_024):
                    sock.sendall(framed)
                    sent += len(chunk)
                    if select.select([sock], [], [], 0)[0]:  # the server has answered
                        break
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                pass  # the server closed the connection on us, or stopped reading until our buffers filled
            answer = b""
            while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < _length(answer):
                data = sock.recv(65_536)
                if not data:
                    break
                answer += data
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413 ")
    assert json.loads(body) == TOO_LARGE
    assert sent < 16 * 2**20, f"the server read {sent} bytes before answering"


# ---------------------------------------------------------------------------------------------- QR codes


def _segno(url: str, kind: str, scale: int) -> bytes:
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind=kind, scale=scale, border=4)
    return out.getvalue()


def test_qr_codes_encode_the_lot_pages_address(explored: Explored) -> None:
    bar = explored.bar
    url = f"http://testserver/lots/{bar}"
    svg = explored.client.get(f"/lots/{bar}/qr.svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert svg.content == _segno(url, "svg", 4)
    png = explored.client.get(f"/lots/{bar}/qr.png")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert png.content == _segno(url, "png", 8)


def test_a_public_url_goes_into_the_qr_codes(explored: Explored) -> None:
    app = create_app(explored.index, explored.store, public_url="https://filon.example/explorer/")
    client = TestClient(app)
    bar = explored.bar
    body = client.get(f"/api/lots/{bar}").json()
    assert body["url"] == f"https://filon.example/explorer/lots/{bar}"
    assert client.get(f"/lots/{bar}/qr.svg").content == _segno(body["url"], "svg", 4)
    with pytest.raises(InvalidInput, match="public_url is an http"):
        create_app(explored.index, explored.store, public_url="ftp://filon.example")


def test_apps_in_one_process_each_read_their_own_settings(explored: Explored) -> None:
    # The routers are module-level and shared by every app: each request must read its own app's state.
    bar = explored.bar
    other = TestClient(
        create_app(explored.index, explored.store, public_url="https://filon.example", max_upload_bytes=1_000)
    )
    for _ in range(2):
        assert explored.client.get(f"/api/lots/{bar}").json()["url"] == f"http://testserver/lots/{bar}"
        assert other.get(f"/api/lots/{bar}").json()["url"] == f"https://filon.example/lots/{bar}"
    assert "(at most 20 MiB)" in explored.client.get(f"/lots/{bar}").text
    assert "(at most 1,000 bytes)" in other.get(f"/lots/{bar}").text
    upload = {"document": ("a.bin", b"x" * 1_001)}
    assert explored.client.post(f"/api/lots/{bar}/verify", files=upload).status_code == 200
    assert (other.post(f"/api/lots/{bar}/verify", files=upload).json()) == TOO_LARGE


def test_create_app_refuses_unusable_limits(explored: Explored) -> None:
    with pytest.raises(InvalidInput, match="max_upload_bytes is 1 or more, not 0"):
        create_app(explored.index, explored.store, max_upload_bytes=0)
    with pytest.raises(InvalidInput, match="sync_interval is a positive number of seconds, not 0"):
        create_app(explored.index, explored.store, sync_interval=0)


# ------------------------------------------------------------------------------------------ sync, failures


def test_the_app_keeps_its_index_in_step_with_the_chain(explored: Explored) -> None:
    database = f"sqlite:///{explored.folder / 'synced-by-the-app.sqlite'}"
    with open_index(explored.deployment, rpc_url=explored.rpc_url, database_url=database) as index:
        assert index.last_block == explored.deployment.deployment_block - 1  # nothing read yet
        head = explored.web3.eth.block_number
        with TestClient(create_app(index, explored.store, sync_interval=0.05)) as client:
            deadline = time.monotonic() + 10
            while client.get("/api/status").json()["last_block"] < head:
                assert time.monotonic() < deadline, "the app did not sync its index"
                time.sleep(0.05)
            assert client.get(f"/api/lots/{explored.bar}").json()["holder"] == sc.Cast.dev().jeweller.address


def test_a_failing_sync_is_logged_and_the_pages_still_answer(
    explored: Explored, caplog: pytest.LogCaptureFixture
) -> None:
    database = f"sqlite:///{explored.folder / 'index.sqlite'}"
    with (
        open_index(explored.deployment, database_url=database) as read_only,  # no RPC: sync() must fail
        caplog.at_level(logging.WARNING, logger="filon.index"),
        TestClient(create_app(read_only, explored.store, sync_interval=0.05)) as client,
    ):
        syncer = client.app.state.syncer  # type: ignore[attr-defined]
        deadline = time.monotonic() + 10
        while syncer.attempts < 4:  # several attempts: the one error is logged once
            assert time.monotonic() < deadline, "the app did not try to sync"
            time.sleep(0.01)
        assert client.get(f"/api/lots/{explored.bar}").status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.name == "filon.index"]
    assert warnings == [
        "The index cannot sync (retrying every 0.05 s): This index was opened without an RPC URL: it can be "
        "read but not synced"
    ]


def test_a_broken_database_is_a_clean_error_without_a_traceback(
    explored: Explored, caplog: pytest.LogCaptureFixture
) -> None:
    copy = explored.folder / "broken.sqlite"
    with open_index(explored.deployment, rpc_url=explored.rpc_url, database_url=f"sqlite:///{copy}") as index:
        index.sync()
        client = TestClient(create_app(index, explored.store))
        assert client.get(f"/api/lots/{explored.bar}").status_code == 200
        index.close()
        copy.write_bytes(b"this is not an SQLite database" * 100)
        for name in ("broken.sqlite-wal", "broken.sqlite-shm"):
            (explored.folder / name).unlink(missing_ok=True)
        with caplog.at_level(logging.ERROR, logger="filon.explorer"):
            api = client.get(f"/api/lots/{explored.bar}")
            page = client.get(f"/lots/{explored.bar}")
    assert api.status_code == page.status_code == 503
    assert api.json() == {"detail": "The index is unavailable now; try again shortly."}
    assert "The index is unavailable now; try again shortly." in html.unescape(page.text)
    assert "Traceback" not in api.text + page.text
    logged = [r.getMessage() for r in caplog.records if r.name == "filon.explorer"]
    assert [message.split(": ")[0] for message in logged] == [
        f"The index database failed answering /api/lots/{explored.bar}",
        f"The index database failed answering /lots/{explored.bar}",
    ]
    assert all("file is not a database" in message for message in logged)


def test_an_exhausted_connection_pool_is_503_with_retry_after(
    explored: Explored, caplog: pytest.LogCaptureFixture
) -> None:
    """Clients looping on a costly page once took every pooled connection, and the others got 500s after
    the pool's 30 s wait: a pool with no connection free is the documented 503, soon, with Retry-After."""
    database = f"sqlite:///{explored.folder / 'index.sqlite'}"
    with open_index(
        explored.deployment, database_url=database, pool_size=1, pool_overflow=0, pool_timeout=0.2
    ) as index:
        client = TestClient(create_app(index, explored.store))
        with index.engine.connect(), caplog.at_level(logging.ERROR, logger="filon.explorer"):
            started = time.monotonic()
            api = client.get(f"/api/lots/{explored.bar}")
            page = client.get(f"/lots/{explored.bar}")
            waited = time.monotonic() - started
        assert (api.status_code, page.status_code) == (503, 503)
        assert api.headers["retry-after"] == page.headers["retry-after"] == "2"
        assert api.json() == {"detail": "The index is busy now; try again in 2 seconds."}
        assert "The index is busy now; try again in 2 seconds." in html.unescape(page.text)
        assert waited < 5
        assert client.get(f"/api/lots/{explored.bar}").status_code == 200  # the connection is back
    assert [r.getMessage().split(": ")[0] for r in caplog.records if r.name == "filon.explorer"] == [
        f"The index database is busy answering /api/lots/{explored.bar}",
        f"The index database is busy answering /lots/{explored.bar}",
    ]


# ---------------------------------------------------------------------------------------------- hardening


def test_links_never_follow_the_host_header(explored: Explored) -> None:
    """Without a public URL, lot URLs and QR codes once followed the request's Host header, and the QR
    image was publicly cacheable for an hour: one request with a forged Host could poison a shared cache."""
    bar = explored.bar
    forged = {"Host": "evil.example"}
    assert explored.client.get(f"/api/lots/{bar}", headers=forged).json()["url"] == (
        f"http://testserver/lots/{bar}"
    )
    app = create_app(explored.index, explored.store)
    with serve_app(app) as base:
        with urllib.request.urlopen(
            urllib.request.Request(f"{base}/api/lots/{bar}", headers=forged), timeout=10
        ) as response:
            assert json.loads(response.read())["url"] == f"{base}/lots/{bar}"
        with urllib.request.urlopen(
            urllib.request.Request(f"{base}/lots/{bar}/qr.svg", headers=forged), timeout=10
        ) as response:
            assert response.read() == _segno(f"{base}/lots/{bar}", "svg", 4)
            assert response.headers["Cache-Control"] == "private, max-age=3600"
        with urllib.request.urlopen(
            urllib.request.Request(f"{base}/lots/{bar}", headers=forged), timeout=10
        ) as response:
            page = response.read().decode()
            assert "evil.example" not in page
            assert f'<a href="{base}/lots/{bar}">{base}/lots/{bar}</a>' in page
    public = TestClient(create_app(explored.index, explored.store, public_url="https://filon.example"))
    assert public.get(f"/lots/{bar}/qr.png").headers["cache-control"] == "public, max-age=3600"


def test_no_page_loads_scripts_from_elsewhere(explored: Explored) -> None:
    """/docs and /redoc loaded Swagger UI and ReDoc from a CDN; the OpenAPI document stays."""
    for path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert explored.client.get(path).status_code == 404, path
    schema = explored.client.get("/openapi.json")
    assert schema.status_code == 200
    assert "/api/lots/{lot_id}" in schema.json()["paths"]
    home = explored.client.get("/").text
    assert '<a href="/openapi.json">API (OpenAPI)</a>' in home and "/docs" not in home


@pytest.mark.parametrize(
    "path",
    ["/api/lots/{bar}", "/api/search?q=1", "/api/status", "/api/lots/7", "/openapi.json", "/api/lots/x"],
)
def test_every_response_says_nosniff(explored: Explored, path: str) -> None:
    response = explored.client.get(path.format(bar=explored.bar))
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "application/json"


def test_a_reference_found_names_its_issuer(explored: Explored) -> None:
    """An external reference is unique per issuer only: another operator may declare a lot with a reference
    that looks like an id, or like another issuer's; the results say who issued each lot, and only an id
    goes straight to its page."""
    summary, cast = explored.summary, sc.Cast.dev()
    ore = summary.ore_lots["SRC-2025-0141"]
    body = explored.client.get("/api/search", params={"q": "SRC-2025-0141"}).json()
    assert [(lot["id"], lot["found_by"], lot["issuer"]) for lot in body["lots"]] == [
        (ore, "reference", cast.miners["santa-rosa"].address)
    ]
    by_id = explored.client.get("/api/search", params={"q": str(explored.bar)}).json()
    assert [(lot["found_by"], lot["issuer"]) for lot in by_id["lots"]] == [("id", cast.refiner.address)]
    page = explored.client.get("/search", params={"q": "SRC-2025-0141"}, follow_redirects=False)
    assert page.status_code == 200
    text = html.unescape(re.sub(r"\s+", " ", page.text))
    assert (
        f'declared by <code title="{cast.miners["santa-rosa"].address}">'
        f'{cast.miners["santa-rosa"].address}</code> from <a href="/mines/1">mine 1</a>'
    ) in text
    assert "(found by its issuer's reference)" in text


def test_the_laboratory_s_assay_of_the_bar_is_listed_valid(explored: Explored) -> None:
    bar, lab = explored.bar, sc.Cast.dev().laboratory.address
    body = explored.client.get(f"/api/lots/{bar}").json()
    dore = explored.client.get(f"/api/lots/{explored.summary.dore_id}").json()
    page = explored.client.get(f"/lots/{bar}").text

    (credential,) = body["credentials"]
    token = explored.store.get(credential["cid"]).decode()
    hashed = filon.credential_hash(token)
    # what the index should say, read independently: the signed exp claim, and the raw anchoring log
    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    (anchoring,) = explored.web3.eth.get_logs(
        {
            "address": explored.deployment.address,
            "fromBlock": explored.deployment.deployment_block,
            "topics": [Web3.keccak(text="AttestationAnchored(bytes32,address,uint8,uint256)"), hashed],
        }
    )
    assert credential == {
        "credential_hash": "0x" + filon.credential_hash(token).hex(),
        "cid": filon.cid_for_sha256(filon.credential_hash(token).hex()),
        "attester": lab,
        "issuer_name": sc.LABORATORY_NAME,
        "subject": f"lot {bar}",
        "assessment": "Assay",
        "conformance": True,
        "status": "valid",
        "valid_until": claims["exp"],
        "anchored_block": anchoring["blockNumber"],
        "status_index": 0,
        "note": None,
    }
    assert filon.credential_status(token, revocation=explored.reader) is filon.CredentialStatus.VALID
    assert dore["credentials"] == []  # about the bar, not its inputs
    assert (
        "Conformity credentials" in page
        and (
            f'{html.escape(sc.LABORATORY_NAME)} <code title="{lab}">{lab[:6]}…{lab[-4:]}</code> '
            f'(<a href="/status/{lab}">status list</a>)'
        )
        in page
    )


def test_the_status_list_the_credential_points_at_is_served(explored: Explored) -> None:
    lab = sc.Cast.dev().laboratory.address
    (credential,) = explored.client.get(f"/api/lots/{explored.bar}").json()["credentials"]
    token = explored.store.get(credential["cid"]).decode()
    app = create_app(explored.index, explored.store, public_url=sc.EXPLORER_URL)
    with TestClient(app) as client:
        answer = client.get(f"/status/{lab.lower()}")
        unknown = client.get(f"/status/{'0x' + '12' * 20}")
        bad = client.get("/status/0x12")

    listed = answer.json()
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/vc+ld+json"
    assert listed["id"] == f"{sc.EXPLORER_URL}/status/{lab}"
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert filon.credential_status(token, revocation=listed) is filon.CredentialStatus.VALID
    assert unknown.status_code == 404
    assert unknown.json() == {
        "detail": f"{Web3.to_checksum_address('0x' + '12' * 20)} anchored no credential."
    }
    assert bad.status_code == 422


def test_a_verifier_fetches_the_status_list_over_http(explored: Explored) -> None:
    lab = sc.Cast.dev().laboratory.address
    (credential,) = explored.client.get(f"/api/lots/{explored.bar}").json()["credentials"]
    token = explored.store.get(credential["cid"]).decode()
    app = create_app(explored.index, explored.store, public_url=sc.EXPLORER_URL)

    with serve_app(app) as base:
        listed = filon.fetch_status_list(f"{base}/status/{lab}")
        with pytest.raises(filon.StatusListUnavailable, match=r"answered HTTP 404$"):
            filon.fetch_status_list(f"{base}/status/{'0x' + '12' * 20}")

    assert filon.credential_status(token, revocation=listed) is filon.CredentialStatus.VALID
    with pytest.raises(filon.InvalidInput, match="http"):
        filon.fetch_status_list("ftp://example.org/status")
