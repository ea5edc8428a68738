"""The content-addressed document store and its CIDs."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from filon._errors import FilonError
from filon.passport import DocumentCorrupted, DocumentNotFound, DocumentStore, InvalidCid, cid_for_sha256

# `ipfs add --cid-version=1 --raw-leaves` of a file holding "hello" (no newline).
HELLO_CID = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"


def test_put_returns_the_raw_sha256_cidv1_in_base32(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path / "docs")

    cid = store.put(b"hello")

    assert cid == HELLO_CID
    assert cid.startswith("bafkrei")
    assert (tmp_path / "docs" / cid).read_bytes() == b"hello"


def test_the_cid_carries_the_documents_sha256(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    data = b"%PDF-1.7 permit"
    sha256 = hashlib.sha256(data).hexdigest()

    cid = store.put(data)

    assert store.sha256_of(cid) == sha256
    assert cid_for_sha256(sha256) == cid


def test_get_returns_the_bytes_and_has_reports_presence(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    cid = store.put(b"assay certificate")

    assert store.get(cid) == b"assay certificate"
    assert store.has(cid)
    assert not store.has(cid_for_sha256("00" * 32))


def test_put_is_idempotent_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)

    first = store.put(b"same")
    second = store.put(b"same")

    assert first == second
    assert [p.name for p in tmp_path.iterdir()] == [first]


def test_an_absent_document_raises_document_not_found(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)

    with pytest.raises(DocumentNotFound) as caught:
        store.get(HELLO_CID)

    assert caught.value.cid == HELLO_CID
    assert isinstance(caught.value, KeyError)
    assert isinstance(caught.value, FilonError)


def test_altered_bytes_raise_document_corrupted_and_put_repairs_them(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    cid = store.put(b"hello")
    (tmp_path / cid).write_bytes(b"hellO")

    with pytest.raises(DocumentCorrupted) as caught:
        store.get(cid)

    assert caught.value.actual_sha256 == hashlib.sha256(b"hellO").hexdigest()
    assert isinstance(caught.value, ValueError)
    store.put(b"hello")
    assert store.get(cid) == b"hello"


def test_another_multibase_form_of_the_same_cid_is_accepted(tmp_path: Path) -> None:
    store = DocumentStore(tmp_path)
    store.put(b"hello")

    base58 = "zb2rhZfjRh2FHHB2RkHVEvL2vJnCTcu7kwRqgVsf9gpkLgteo"

    assert store.get(base58) == b"hello"


@pytest.mark.parametrize(
    "cid",
    [
        "",
        "not a cid",
        "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4ye",  # truncated
        "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG",  # CIDv0 (dag-pb)
        "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",  # CIDv1 dag-pb
        "../../etc/passwd",
    ],
)
def test_malformed_or_foreign_cids_are_rejected(tmp_path: Path, cid: str) -> None:
    store = DocumentStore(tmp_path)

    with pytest.raises(InvalidCid):
        store.get(cid)
    with pytest.raises(InvalidCid):
        store.has(cid)


@pytest.mark.parametrize("sha256", ["", "abc", "zz" * 32, "00" * 31])
def test_cid_for_sha256_rejects_anything_but_64_hex_digits(sha256: str) -> None:
    with pytest.raises(InvalidCid):
        cid_for_sha256(sha256)
