"""Names on the explorer: the holder and the custody timeline, the mines, the participant page and its JSON,
search by name (accents and case ignored), and a record whose stored bytes do not match in words."""

from __future__ import annotations

import datetime
import hashlib
import re
import shutil

from fastapi.testclient import TestClient

import _scenario as sc  # loaded by its path in tests/conftest.py
import filon
from filon.explorer import create_app
from filon.index import open_index
from filon.passport import DocumentStore

from .conftest import Explored


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_lot_api_names_the_holder_and_the_mines(explored: Explored) -> None:
    cast = sc.Cast.dev()
    body = explored.client.get(f"/api/lots/{explored.bar}").json()

    assert body["holder_party"] == {
        "address": cast.jeweller.address,
        "name": "Orfebrería Miraflores S.A.C.",
        "role": "manufacturer",
    }
    assert [(m["id"], m["name"], m["region"]) for m in body["mines"]] == [
        (1, "Santa Rosa de Chaparra", "Arequipa"),
        (2, "Cerro Rico de Yanaquihua", "Arequipa"),
        (3, "Virgen del Carmen de Relave", "Ayacucho"),
        (4, "Huanca", "Ayacucho"),
    ]
    (sale,) = [entry for entry in body["custody"] if entry["event"] == "transferred"]
    assert (sale["from_name"], sale["to_name"]) == (sc.REFINER_NAME, sc.JEWELLER_NAME)


def test_the_lot_page_names_the_mines_and_the_custody(explored: Explored) -> None:
    text = _text(explored.client.get(f"/lots/{explored.bar}").text)

    assert "Huanca (Ayacucho), mine 4" in text
    assert f"{sc.REFINER_NAME} 0x" in text and f"{sc.JEWELLER_NAME} 0x" in text


def test_the_participant_page_and_its_json(explored: Explored) -> None:
    jeweller = sc.Cast.dev().jeweller.address
    body = explored.client.get(f"/api/participants/{jeweller.lower()}").json()
    text = _text(explored.client.get(f"/participants/{jeweller}").text)

    record = filon.ParticipantRecord(name=sc.JEWELLER_NAME, country="PE")
    assert body == {
        "address": jeweller,
        "name": sc.JEWELLER_NAME,
        "role": "manufacturer",
        "record": {"country": "PE", "name": sc.JEWELLER_NAME},
        "record_hash": "0x" + filon.record_hash(record).hex(),
        "record_state": "verified",
        "verified": True,
        "record_note": "Published by the registrar: the stored record matches the hash on chain.",
        "lots": body["lots"],
        "plant": False,
    }
    assert sorted(lot["id"] for lot in body["lots"]) == sorted(explored.summary.bar_ids)
    assert f"{sc.JEWELLER_NAME} manufacturer" in text and f"Lot {explored.bar}" in text
    assert explored.client.get("/participants/0x1234").status_code == 404
    assert explored.client.get("/api/participants/nobody").json() == {
        "detail": "nobody is not an Ethereum address"
    }


def test_the_mine_page_says_which_register_snapshot_set_its_status(explored: Explored) -> None:
    (snapshot,) = explored.reader.register_snapshots()
    text = _text(explored.client.get("/mines/4").text)

    assert snapshot.snapshot_hash == hashlib.sha256(sc.register_export(_expiries(explored))).digest()
    assert f"Status set by the government register of {_day(snapshot.snapshot_date)}" in text
    assert f"0x{snapshot.snapshot_hash.hex()}" in text
    assert "Huanca, Mine 4" in text and "Register code REINFO-027" in text


def _expiries(explored: Explored) -> dict[str, int]:
    return {
        spec.key: explored.reader.mine(filon.MineId(i)).permit_expiry for i, spec in enumerate(sc.MINES, 1)
    }


def _day(unix: int) -> str:
    return datetime.datetime.fromtimestamp(unix, datetime.UTC).date().isoformat()


def test_search_by_name_ignores_accents_and_case(explored: Explored) -> None:
    by_jeweller = explored.client.get("/api/search", params={"q": "orfebreria"}).json()
    by_region = explored.client.get("/api/search", params={"q": "AYACUCHO"}).json()
    page = _text(explored.client.get("/search", params={"q": "huanca"}).text)

    assert [p["name"] for p in by_jeweller["participants"]] == [sc.JEWELLER_NAME]
    assert sorted(lot["id"] for lot in by_jeweller["lots"]) == sorted(explored.summary.bar_ids)
    assert {lot["found_by"] for lot in by_jeweller["lots"]} == {"name"}
    assert [(m["id"], m["name"]) for m in by_region["mines"]] == [
        (3, "Virgen del Carmen de Relave"),
        (4, "Huanca"),
    ]
    assert "Huanca (Ayacucho), mine 4" in page


def test_an_altered_record_is_not_shown_and_the_page_says_why(explored: Explored) -> None:
    altered = explored.folder / "altered"
    shutil.copytree(explored.store.path, altered / "store")
    huanca = filon.cid_for_sha256(filon.record_hash(sc.MINES[3].record).hex())
    (altered / "store" / huanca).write_bytes(b'{"name":"Huanca Legal","region":"Ayacucho"}')
    database = f"sqlite:///{altered / 'index.sqlite'}"
    with open_index(explored.deployment, rpc_url=explored.rpc_url, database_url=database) as index:
        app = create_app(index, DocumentStore(altered / "store"))
        index.sync()
        with TestClient(app) as client:
            body = client.get("/api/mines/4").json()
            text = _text(client.get("/mines/4").text)

    assert (body["name"], body["record"], body["record_state"]) == (None, None, "mismatch")
    assert "The stored record does not match what the registrar published: it is not shown." in text
    assert "Huanca Legal" not in text
