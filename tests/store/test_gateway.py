"""`/ipfs/{cid}` of a real `filon explorer serve` as an IPFS trustless gateway for raw blocks, checked with an
independent CID implementation (the `multiformats` library, not Filón's store code)."""

from __future__ import annotations

import hashlib
import urllib.error
import urllib.request

import httpx2
import pytest
from multiformats import CID, multihash

from filon.passport import DocumentStore
from servers import ExplorerProcess

from .conftest import Chain

RAW = "application/vnd.ipld.raw"
DAG_PB = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"  # a UnixFS directory, not a raw block


def _cid(data: bytes) -> CID:
    """The CIDv1 (raw, sha2-256) of `data`, computed by `multiformats`."""
    return CID("base32", 1, "raw", multihash.digest(data, "sha2-256"))


@pytest.fixture(scope="module")
def published(chain: Chain, explorer: ExplorerProcess, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A document a participant uploaded to the explorer's store."""
    data = b"%PDF-1.7 CRAFT 2.0 assessment, Cooperativa Santa Rosa\n" + bytes(range(256)) * 64
    plant = chain.client(chain.plant, explorer.url, tmp_path_factory.mktemp("plant") / "store")
    assert plant.store.put(data) == str(_cid(data))
    return data


def test_a_raw_block_is_served_with_its_exact_bytes_and_gateway_headers(
    explorer: ExplorerProcess, published: bytes
) -> None:
    cid = _cid(published)
    for params, headers in (({"format": "raw"}, {}), ({}, {"Accept": RAW})):
        answer = httpx2.get(f"{explorer.url}/ipfs/{cid}", params=params, headers=headers)

        assert answer.status_code == 200
        assert answer.content == published
        served = CID.decode(str(cid))
        assert multihash.unwrap(served.digest) == hashlib.sha256(answer.content).digest()
        assert (served.version, served.codec.name, served.hashfun.name) == (1, "raw", "sha2-256")
        assert answer.headers["content-type"] == RAW
        assert answer.headers["etag"] == f'"{cid}"'
        assert answer.headers["cache-control"] == "public, max-age=29030400, immutable"
        assert answer.headers["content-disposition"] == f'attachment; filename="{cid}.bin"'
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-ipfs-path"] == f"/ipfs/{cid}"
        assert answer.headers["content-length"] == str(len(published))


def test_any_multibase_of_the_cid_is_served_and_named_in_base32(
    explorer: ExplorerProcess, published: bytes
) -> None:
    cid = _cid(published)
    base58 = cid.encode("base58btc")
    assert base58.startswith("z")

    answer = httpx2.get(f"{explorer.url}/ipfs/{base58}", params={"format": "raw"})

    assert answer.status_code == 200 and answer.content == published
    assert answer.headers["etag"] == f'"{cid}"'


def test_head_and_a_revalidation_send_no_bytes(explorer: ExplorerProcess, published: bytes) -> None:
    cid = _cid(published)
    head = httpx2.head(f"{explorer.url}/ipfs/{cid}", params={"format": "raw"})
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", str(len(published)))
    again = httpx2.get(
        f"{explorer.url}/ipfs/{cid}", params={"format": "raw"}, headers={"If-None-Match": f'"{cid}"'}
    )
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", f'"{cid}"')


def test_bad_requests_are_answered_in_one_sentence(explorer: ExplorerProcess, published: bytes) -> None:
    cid = _cid(published)
    unknown = _cid(b"never uploaded")
    cases = [
        (f"/ipfs/{unknown}?format=raw", {}, 404, f"This store holds no document {unknown}."),
        (f"/ipfs/{cid}?format=car", {}, 400, "This gateway serves raw blocks only: ask with ?format=raw."),
        (
            f"/ipfs/{cid}",
            {"Accept": "application/vnd.ipld.car"},
            406,
            f"This gateway serves raw blocks only ({RAW}).",
        ),
        (f"/ipfs/{DAG_PB}?format=raw", {}, 400, f"'{DAG_PB}' is not a CIDv1 with the raw codec."),
        ("/ipfs/not-a-cid?format=raw", {}, 400, None),
    ]
    for path, headers, status, detail in cases:
        answer = httpx2.get(explorer.url + path, headers=headers)
        assert answer.status_code == status, path
        if detail is not None:
            assert answer.json() == {"detail": detail}, path
        else:
            assert answer.json()["detail"].startswith("'not-a-cid' is not a CID: "), path


def test_a_request_without_accept_or_format_is_400(explorer: ExplorerProcess, published: bytes) -> None:
    request = urllib.request.Request(f"{explorer.url}/ipfs/{_cid(published)}")  # urllib sends no Accept
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400
    assert refused.value.read() == (
        b'{"detail":"Ask for the raw block: add ?format=raw or send the header Accept: '
        b'application/vnd.ipld.raw."}'
    )


def test_a_damaged_copy_is_never_served_and_an_upload_repairs_it(
    chain: Chain, explorer: ExplorerProcess, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data = b"%PDF-1.7 assay certificate, to be damaged on the server's disk"
    cid = str(_cid(data))
    miner = chain.client(chain.miner, explorer.url, tmp_path_factory.mktemp("miner") / "store")
    miner.store.put(data)
    (explorer.store / cid).write_bytes(data.replace(b"assay", b"ASSAY"))

    answer = httpx2.get(f"{explorer.url}/ipfs/{cid}", params={"format": "raw"})
    assert (answer.status_code, answer.json()) == (
        404,
        {"detail": f"This store holds no intact copy of {cid}."},
    )
    assert f"The store's copy of {cid} is damaged" in explorer.output

    miner.store.put(data)  # a holder's next write (or `filon store sync`) uploads it again
    assert DocumentStore(explorer.store).get(cid) == data
