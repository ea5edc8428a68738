"""`filon store verify`, the choice between a folder and a shared store, and the explorer's own folder."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import filon
from filon._cli import cli
from filon._cli._common import run
from filon.passport import DocumentStore, RemoteStore, StoredFile, cid_for_sha256, open_store


def _filon(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(cli, list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _cid(data: bytes) -> str:
    return cid_for_sha256(hashlib.sha256(data).hexdigest())


def test_verify_lists_the_files_whose_bytes_no_longer_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = DocumentStore(tmp_path / "store")
    good, bad = b"an intact permit", b"a permit damaged on disk"
    store.put(good)
    store.put(bad)
    (store.path / _cid(bad)).write_bytes(b"a permit DAMAGED on disk")
    (store.path / ".tmp-left-by-a-crash").write_bytes(b"half")
    damaged = hashlib.sha256(b"a permit DAMAGED on disk").hexdigest()

    assert store.verify() == [StoredFile(_cid(bad), f"its bytes hash to sha256 {damaged}")]
    assert _filon(capsys, "store", "verify", "--store", str(store.path)) == (
        1,
        f"1 of 2 documents in {store.path} match their CID.\n"
        f"Corrupted {_cid(bad)}: its bytes hash to sha256 {damaged}\n",
        "",
    )
    code, out, _ = _filon(capsys, "store", "verify", "--store", str(store.path), "--json")
    assert (code, json.loads(out)) == (
        1,
        {
            "store": str(store.path),
            "checked": 2,
            "corrupted": [{"cid": _cid(bad), "problem": f"its bytes hash to sha256 {damaged}"}],
        },
    )
    (store.path / _cid(bad)).write_bytes(bad)
    assert _filon(capsys, "store", "verify", "--store", str(store.path)) == (
        0,
        f"2 of 2 documents in {store.path} match their CID.\n",
        "",
    )


def test_verify_reads_a_shared_stores_cache_and_refuses_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FILON_STORE", "https://trace.example.org")
    monkeypatch.setenv("FILON_STORE_CACHE", str(tmp_path / "cache"))
    assert _filon(capsys, "store", "verify") == (
        1,
        "",
        f"Error: No document store folder at {tmp_path / 'cache'}\n",
    )
    DocumentStore(tmp_path / "cache").put(b"cached")
    assert _filon(capsys, "store", "verify")[:2] == (
        0,
        f"1 of 1 documents in {tmp_path / 'cache'} match their CID.\n",
    )


def test_a_url_opens_a_shared_store_and_anything_else_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FILON_STORE", raising=False)
    monkeypatch.delenv("FILON_STORE_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert repr(open_store()) == "DocumentStore('.filon/store')"
    shared = open_store("https://trace.example.org/", cache=tmp_path / "cache")
    assert isinstance(shared, RemoteStore)
    assert (shared.url, shared.path, shared.location) == (
        "https://trace.example.org",
        tmp_path / "cache",
        f"https://trace.example.org (cache {tmp_path / 'cache'})",
    )
    monkeypatch.setenv("FILON_STORE", "http://127.0.0.1:8000")
    assert repr(open_store()) == "RemoteStore('http://127.0.0.1:8000', cache='.filon/store', read-only)"
    for bad, shown in (
        ("ftp://files.example.org/store", "ftp://files.example.org/…"),
        ("https://trace.example.org/?key=s3cr3t", "https://trace.example.org/…"),
    ):
        with pytest.raises(filon.InvalidInput) as refused:
            open_store(bad)
        assert "s3cr3t" not in str(refused.value) and str(refused.value).endswith(f"not {shown}")


def test_the_explorer_serves_a_folder_not_a_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _filon(
        capsys,
        "explorer",
        "serve",
        "--deployment",
        str(tmp_path / "deployment.json"),
        "--store",
        "https://trace.example.org",
    ) == (
        1,
        "",
        "Error: The explorer serves its own store, a folder: give --store FOLDER, not a URL (FILON_STORE)\n",
    )
