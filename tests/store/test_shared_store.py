"""The store the supply chain shares, on real processes: Anvil, a `filon explorer serve` serving the store
from its own folder, and parties each with their own cache folder, as on their own machines."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from eth_account import Account
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from web3 import HTTPProvider, Web3

import filon
from filon.passport import DocumentStore, RemoteStore, cid_for_sha256, sign_upload
from filon.passport._remote import RAW_BLOCK
from servers import FILON, ExplorerProcess, serve_app

from .conftest import Chain, passport_citing


def _cid(data: bytes) -> str:
    return cid_for_sha256(hashlib.sha256(data).hexdigest())


def _lot_page(explorer: ExplorerProcess, lot: int, timeout: float = 20.0) -> dict[str, Any]:
    """The explorer's JSON of a lot, once its index has synced the lot."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{explorer.url}/api/lots/{lot}", timeout=10) as response:
                page: dict[str, Any] = json.loads(response.read())
                return page
        except urllib.error.HTTPError as error:
            assert error.code == 404 and time.monotonic() < deadline, error
            time.sleep(0.2)


def test_a_passport_published_on_one_machine_is_read_and_shown_on_the_others(
    chain: Chain, explorer: ExplorerProcess, tmp_path: Path
) -> None:
    permit = b"%PDF-1.7 permit AIAE-034-2024-GRA/GREM, one machine to another"
    miner = chain.client(chain.miner, explorer.url, tmp_path / "miner" / "store")
    buyer = chain.client(None, explorer.url, tmp_path / "buyer" / "store")
    passport = passport_citing(chain.mine, (permit,), "SRC-2026-0001")

    lot = miner.declare_lot_with_passport(
        chain.mine, passport, documents={"permit.pdf": permit}, external_ref="SRC-2026-0001"
    )

    package = miner.passport_versions(lot)[0].uri.removeprefix("ipfs://")
    assert not (tmp_path / "buyer").exists()  # the buyer starts with nothing
    assert buyer.passport(lot) == passport
    match = buyer.verify_document(lot, permit)
    assert match is not None and (match.version, match.field, match.index) == (1, "conformity", 0)
    assert buyer.verify_document(lot, permit + b" altered") is None
    # What the buyer read was fetched, checked and cached; the document itself it never needed.
    assert sorted(os.listdir(tmp_path / "buyer" / "store")) == [package]
    # The explorer's own folder holds the package and the document; the salts stayed with the miner.
    served = DocumentStore(explorer.store)
    assert {package, _cid(permit)} <= set(served.cids())
    assert served.get(_cid(permit)) == permit
    assert (tmp_path / "miner" / "salts").is_dir() and not (explorer.store.parent / "salts").exists()
    assert miner.store.pending() == []  # type: ignore[attr-defined]

    page = _lot_page(explorer, lot)
    assert [flag["code"] for flag in page["flags"]] == []
    assert page["carbon_kg_co2e"] == 12.5  # read from the package in the explorer's store


def test_a_buyer_checks_a_document_with_the_cli_and_an_empty_cache(
    chain: Chain, explorer: ExplorerProcess, tmp_path: Path
) -> None:
    permit = b"%PDF-1.7 permit AIAE-051-2024-GRA/GREM, read by the CLI"
    miner = chain.client(chain.miner, explorer.url, tmp_path / "miner" / "store")
    lot = miner.declare_lot_with_passport(
        chain.mine, passport_citing(chain.mine, (permit,), "CLI-1"), documents={"permit.pdf": permit}
    )
    (tmp_path / "permit.pdf").write_bytes(permit)
    env = {
        **os.environ,
        "FILON_STORE": explorer.url,
        "FILON_STORE_CACHE": str(tmp_path / "cli-cache"),
        "FILON_RPC_URL": chain.anvil.url,
        "FILON_DEPLOYMENT": str(chain.manifest),
    }
    done = subprocess.run(
        [str(FILON), "passport", "verify", str(lot), "--document", str(tmp_path / "permit.pdf"), "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, ""), done
    result = json.loads(done.stdout)
    assert result["document"]["sha256"] == hashlib.sha256(permit).hexdigest()
    assert result["withheld"] == []


def test_an_outsider_cannot_upload_and_a_registrar_can(
    chain: Chain, explorer: ExplorerProcess, tmp_path: Path
) -> None:
    outsider = chain.client(chain.outsider, explorer.url, tmp_path / "outsider" / "store")
    forged = b"%PDF-1.7 a permit nobody issued"
    before = sorted(DocumentStore(explorer.store).cids())

    with pytest.raises(filon.UploadRefused) as refused:
        outsider.store.put(forged)

    assert refused.value.status == 403
    assert str(refused.value) == (
        f"The document store at {explorer.url} refused {_cid(forged)} (HTTP 403: {chain.outsider.address} is "
        "neither an admitted participant nor a registrar of this deployment, so it may not upload.); it "
        f"stays in the cache {tmp_path / 'outsider' / 'store'} until `filon store sync` uploads it."
    )
    assert sorted(DocumentStore(explorer.store).cids()) == before
    assert outsider.store.pending() == [_cid(forged)]  # type: ignore[attr-defined]
    shared = outsider.store
    assert isinstance(shared, filon.RemoteStore)
    report = shared.sync()  # what `filon store sync` runs: refused again, said, and still pending
    assert (report.uploaded, report.present, report.failed) == ([], 0, {_cid(forged): str(refused.value)})
    assert shared.pending() == [_cid(forged)]

    registrar = chain.client(chain.registrar, explorer.url, tmp_path / "registrar" / "store")
    record = b'{"participant": "Planta de Beneficio Chala S.A.C."}'
    assert registrar.store.put(record) == _cid(record)
    assert DocumentStore(explorer.store).get(_cid(record)) == record


def test_a_signature_for_another_deployment_or_size_is_refused(
    chain: Chain, explorer: ExplorerProcess
) -> None:
    data = b"signed for somewhere else"
    cid = _cid(data)
    other = filon.DeclarationDomain(
        chain_id=chain.deployment.chain_id + 1, verifying_contract=chain.deployment.address
    )
    cases = {
        "another chain": sign_upload(chain.miner, other, cid, len(data)),
        "another size": sign_upload(
            chain.miner, filon.DeclarationDomain.of(chain.deployment), cid, len(data) + 1
        ),
    }
    for label, signature in cases.items():
        answer = httpx2.put(f"{explorer.url}/ipfs/{cid}", content=data, headers=signature.headers())
        assert answer.status_code == 401, label
        assert answer.json() == {
            "detail": f"The signature is not {chain.miner.address}'s for this upload: the CID, size, "
            f"timestamp or deployment (chain {chain.deployment.chain_id}, contract "
            f"{chain.deployment.address}) differ from what was signed."
        }, label
    stale = sign_upload(
        chain.miner,
        filon.DeclarationDomain.of(chain.deployment),
        cid,
        len(data),
        timestamp=int(time.time()) - 301,
    )
    answer = httpx2.put(f"{explorer.url}/ipfs/{cid}", content=data, headers=stale.headers())
    assert answer.status_code == 401
    assert answer.json()["detail"].startswith(f"The upload was signed at {stale.timestamp}, more than 300 s ")
    assert not DocumentStore(explorer.store).has(cid)


@pytest.fixture
def altering_gateway(explorer: ExplorerProcess) -> Iterator[str]:
    """A gateway that relays the explorer's documents with one byte changed: a malicious or broken store."""

    def relay(request: Request) -> Response:
        answer = httpx2.get(f"{explorer.url}{request.url.path}", params={"format": "raw"})
        if answer.status_code != 200:
            return Response(answer.content, status_code=answer.status_code)
        altered = bytes([answer.content[0] ^ 1]) + answer.content[1:]
        return Response(altered, media_type=RAW_BLOCK)

    app = Starlette(routes=[Route("/ipfs/{cid}", relay, methods=["GET", "HEAD"])])
    with serve_app(app) as url:
        yield url


def test_bytes_altered_by_the_server_are_detected_and_never_used(
    chain: Chain, explorer: ExplorerProcess, altering_gateway: str, tmp_path: Path
) -> None:
    permit = b"%PDF-1.7 permit AIAE-012-2024-GRA/DREM, relayed by a liar"
    miner = chain.client(chain.miner, explorer.url, tmp_path / "miner" / "store")
    lot = miner.declare_lot_with_passport(
        chain.mine, passport_citing(chain.mine, (permit,), "VDC-1"), documents={"permit.pdf": permit}
    )
    package = miner.passport_versions(lot)[0].uri.removeprefix("ipfs://")
    fooled = chain.client(None, altering_gateway, tmp_path / "buyer" / "store")

    with pytest.raises(filon.PassportUnavailable) as unavailable:
        fooled.passport(lot)
    with pytest.raises(filon.DocumentTampered) as tampered:
        fooled.store.get(_cid(permit))

    altered = bytes([permit[0] ^ 1]) + permit[1:]
    assert str(tampered.value) == (
        f"The document store at {altering_gateway} served bytes for {_cid(permit)} that hash to sha256 "
        f"{hashlib.sha256(altered).hexdigest()}, not to that CID: they were not used."
    )
    assert str(unavailable.value).startswith(
        f"Lot {lot} passport version 1 cannot be read from ipfs://{package}: The document store at "
        f"{altering_gateway} served bytes for {package} that hash to sha256 "
    )
    assert not (tmp_path / "buyer" / "store").exists()  # nothing it served was cached


def test_a_store_that_fails_a_fetch_is_quoted_once(tmp_path: Path) -> None:
    """A 502 with its detail in gzipped JSON: the message gives the status and the detail, read from the
    streamed answer, once (not wrapped again as a connection failure)."""
    detail = json.dumps({"detail": "upstream IPFS node down"}).encode()

    def failing(request: Request) -> Response:
        return Response(
            gzip.compress(detail), status_code=502, headers={"content-encoding": "gzip"},
            media_type="application/json",
        )  # fmt: skip

    cid = _cid(b"a permit nobody can fetch")
    app = Starlette(routes=[Route("/ipfs/{cid}", failing, methods=["GET", "HEAD"])])
    with serve_app(app) as url, pytest.raises(filon.StoreUnavailable) as failed:
        RemoteStore(url, tmp_path / "cache").get(cid)

    assert str(failed.value) == (
        f"The document store at {url} failed to fetch {cid}: HTTP 502 (upstream IPFS node down)."
    )
    assert not (tmp_path / "cache").exists()  # nothing was cached


def test_an_interrupted_upload_is_completed_by_store_sync_and_a_restart_loses_nothing(
    chain: Chain, tmp_path: Path
) -> None:
    server = ExplorerProcess(
        chain.manifest, tmp_path / "served", tmp_path / "index.sqlite", rpc_url=chain.anvil.url
    )
    earlier = b"uploaded before the restart"
    permit = b"%PDF-1.7 permit HUA-2026, written while the store was down"
    with server:
        miner = chain.client(chain.miner, server.url, tmp_path / "miner" / "store")
        miner.store.put(earlier)
    passport = passport_citing(chain.mine, (permit,), "HUA-1")
    web3 = Web3(HTTPProvider(chain.anvil.url))
    nonce = web3.eth.get_transaction_count(chain.miner.address)

    with pytest.raises(filon.StoreUnavailable) as down:
        miner.declare_lot_with_passport(chain.mine, passport, documents={"permit.pdf": permit})

    assert str(down.value) == (
        f"Cannot reach the document store at {server.url} to upload {_cid(permit)} (connection refused)."
    )
    assert web3.eth.get_transaction_count(chain.miner.address) == nonce  # nothing was sent
    assert miner.store.pending() == [_cid(permit)]  # type: ignore[attr-defined]
    assert miner.store.get(_cid(permit)) == permit  # the cache kept it

    keys = tmp_path / "keys"
    keys.mkdir()
    keystore = keys / "miner.json"
    keystore.write_text(json.dumps(Account.encrypt(chain.miner.key, "pw", kdf="pbkdf2", iterations=1000)))
    with server:
        assert DocumentStore(server.store).get(_cid(earlier)) == earlier  # the restart lost nothing
        done = subprocess.run(
            [
                str(FILON),
                "store",
                "sync",
                "--store",
                server.url,
                "--cache",
                str(tmp_path / "miner" / "store"),
                "--deployment",
                str(chain.manifest),
                "--account",
                str(keystore),
                "--json",
            ],
            env={**os.environ, "FILON_ACCOUNT_PASSWORD": "pw"},
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert (done.returncode, done.stderr) == (0, ""), done
        assert json.loads(done.stdout) == {
            "store": server.url,
            "cache": str(tmp_path / "miner" / "store"),
            "uploaded": [_cid(permit)],
            "present": 1,
            "private": 0,
            "failed": {},
        }
        assert miner.store.pending() == []  # type: ignore[attr-defined]
        reader = chain.client(None, server.url, tmp_path / "reader" / "store")
        assert reader.store.get(_cid(permit)) == permit


def test_the_next_write_uploads_what_an_earlier_one_left_pending(chain: Chain, tmp_path: Path) -> None:
    server = ExplorerProcess(
        chain.manifest, tmp_path / "served", tmp_path / "index.sqlite", rpc_url=chain.anvil.url
    )
    plant = chain.client(chain.plant, server.url, tmp_path / "plant" / "store")
    assay = b"%PDF-1.7 assay of dore PBC-DORE-2026-001"
    with pytest.raises(filon.StoreUnavailable):
        plant.store.put(assay)
    assert plant.store.pending() == [_cid(assay)]  # type: ignore[attr-defined]

    report = b"%PDF-1.7 OECD Annex II risk assessment"
    with server:
        assert plant.store.put(report) == _cid(report)
        assert plant.store.pending() == []  # type: ignore[attr-defined]
        assert sorted(DocumentStore(server.store).cids()) == sorted([_cid(assay), _cid(report)])


def test_documents_of_withheld_evidence_stay_on_the_holders_machine(
    chain: Chain, explorer: ExplorerProcess, tmp_path: Path
) -> None:
    permit = b"%PDF-1.7 permit the miner shows only to whom it chooses"
    cache = tmp_path / "miner" / "store"
    miner = chain.client(chain.miner, explorer.url, cache)
    public = ["schema_version", "lot", "producer", "facility", "production_date", "quantity", "carbon"]
    lot = miner.declare_lot_with_passport(
        chain.mine,
        passport_citing(chain.mine, (permit,), "PRIVATE-1"),
        documents={"permit.pdf": permit},
        public_fields=public,
    )
    package = miner.passport_versions(lot)[0].uri.removeprefix("ipfs://")

    served = DocumentStore(explorer.store)
    assert served.has(package) and not served.has(_cid(permit))
    assert miner.store.get(_cid(permit)) == permit  # kept in the holder's cache
    shared = miner.store
    assert isinstance(shared, filon.RemoteStore)
    report = shared.sync()
    assert (report.uploaded, report.private, report.failed) == ([], 1, {})
    assert not served.has(_cid(permit))


def test_a_read_only_client_cannot_upload_and_says_so(
    chain: Chain, explorer: ExplorerProcess, tmp_path: Path
) -> None:
    reader = chain.client(None, explorer.url, tmp_path / "reader" / "store")

    with pytest.raises(filon.AccountRequired) as refused:
        reader.store.put(b"a reader's note")

    assert str(refused.value) == (
        f"Cannot upload to the document store at {explorer.url}: this store is read-only (connect with an "
        "account to write)."
    )
    assert not (tmp_path / "reader").exists()  # nothing was written


def test_an_explorer_without_a_node_refuses_uploads(chain: Chain, tmp_path: Path) -> None:
    with ExplorerProcess(
        chain.manifest, tmp_path / "served", tmp_path / "index.sqlite", rpc_url=None
    ) as server:
        miner = chain.client(chain.miner, server.url, tmp_path / "miner" / "store")
        with pytest.raises(filon.UploadRefused) as refused:
            miner.store.put(b"no node to check me")

    assert refused.value.status == 503
    assert (
        "(HTTP 503: Uploads need the node: this explorer was started without --rpc, so it cannot check "
        in str(refused.value)
    )


def test_an_upload_whose_bytes_are_not_its_cid_or_length_stores_nothing(
    chain: Chain, explorer: ExplorerProcess
) -> None:
    named, sent = (
        b"the document the CID names",
        b"another document, same size"[: len(b"the document the CID names")],
    )
    cid = _cid(named)
    signature = sign_upload(chain.miner, filon.DeclarationDomain.of(chain.deployment), cid, len(sent))

    answer = httpx2.put(f"{explorer.url}/ipfs/{cid}", content=sent, headers=signature.headers())

    assert (answer.status_code, answer.json()) == (
        400,
        {
            "detail": f"The body's bytes hash to sha256 {hashlib.sha256(sent).hexdigest()}, not to {cid}: "
            "nothing was stored."
        },
    )
    chunked = httpx2.put(
        f"{explorer.url}/ipfs/{cid}", content=iter([named]), headers=signature.headers()
    )  # a generator is sent chunked, with no Content-Length
    assert (chunked.status_code, chunked.json()) == (
        411,
        {"detail": "Send the document's length (Content-Length): the signature covers it."},
    )
    assert not DocumentStore(explorer.store).has(cid)
