"""A content-addressed document store: a folder of files named by their IPFS-compatible CIDv1.

A document's name is the CIDv1 of its bytes with the `raw` codec (0x55) and a sha2-256 multihash, in
lower-case base32 with the multibase prefix "b" (so it starts with "bafkrei"). The same bytes have the same
CID as `ipfs add --cid-version=1 --raw-leaves` gives a file of one block, and the CID carries the document's
SHA-256, the digest a passport's `Document.sha256` cites.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cid  # type: ignore[import-untyped]

from filon._errors import FilonError

__all__ = [
    "DocumentCorrupted",
    "DocumentNotFound",
    "DocumentStore",
    "InvalidCid",
    "StoredFile",
    "cid_for_sha256",
]

_RAW_CODEC = "raw"
_SHA2_256 = 0x12
_DIGEST_SIZE = 32


class InvalidCid(FilonError, ValueError):
    """The string is not a CID this store can hold (a CIDv1, `raw` codec, sha2-256).

    Attributes:
        cid: The string given.
    """

    def __init__(self, message: str, *, cid: str) -> None:
        super().__init__(message)
        self.cid = cid


class DocumentNotFound(FilonError, KeyError):
    """The store holds no document with this CID.

    Attributes:
        cid: The CID asked for.
    """

    def __init__(self, cid: str) -> None:
        super().__init__(cid)
        self.cid = cid

    def __str__(self) -> str:
        return f"No document {self.cid} in the store."


class DocumentCorrupted(FilonError, ValueError):
    """The stored bytes no longer hash to their CID (the file was altered or damaged).

    Attributes:
        cid: The CID asked for.
        actual_sha256: The SHA-256 of the bytes found, lower-case hex.
    """

    def __init__(self, cid: str, actual_sha256: str) -> None:
        super().__init__(f"Document {cid} is corrupted: its bytes now hash to sha256 {actual_sha256}.")
        self.cid = cid
        self.actual_sha256 = actual_sha256


def cid_for_sha256(sha256_hex: str) -> str:
    """The CID (CIDv1, raw, sha2-256, base32) of the bytes whose SHA-256 is `sha256_hex`.

    Args:
        sha256_hex: 64 hex digits (a `Document.sha256`).

    Returns:
        The CID string, e.g. "bafkrei...".

    Raises:
        InvalidCid: `sha256_hex` is not 64 hex digits.
    """
    try:
        digest = bytes.fromhex(sha256_hex)
    except ValueError:
        digest = b""
    if len(digest) != _DIGEST_SIZE:
        raise InvalidCid(f"{sha256_hex!r} is not a SHA-256 in hex (64 digits).", cid=sha256_hex)
    return _cid_for_digest(digest)


@lru_cache(maxsize=65_536)  # pure, and py-cid's base32 costs ~1 ms: pages name the same CIDs again and again
def _cid_for_digest(digest: bytes) -> str:
    multihash = bytes([_SHA2_256, _DIGEST_SIZE]) + digest
    encoded: bytes = cid.make_cid(1, _RAW_CODEC, multihash).encode("base32")
    return encoded.decode("ascii")


def _digest_of(text: str) -> bytes:
    """The sha2-256 digest a CID names; any multibase form of a CIDv1 raw sha2-256 is accepted."""
    if not isinstance(text, str) or not text:
        raise InvalidCid(f"{text!r} is not a CID.", cid=str(text))
    return _parsed_digest(text)


@lru_cache(maxsize=65_536)  # pure (a refused CID raises, and is not kept)
def _parsed_digest(text: str) -> bytes:
    try:
        parsed = cid.make_cid(text)
    except Exception as error:  # py-cid raises ValueError, KeyError or binascii errors on garbage
        raise InvalidCid(f"{text!r} is not a CID: {error}", cid=text) from error
    multihash: bytes = parsed.multihash
    if parsed.version != 1 or parsed.codec != _RAW_CODEC:
        raise InvalidCid(f"{text!r} is not a CIDv1 with the raw codec.", cid=text)
    if multihash[:2] != bytes([_SHA2_256, _DIGEST_SIZE]) or len(multihash) != 2 + _DIGEST_SIZE:
        raise InvalidCid(f"{text!r} does not name a sha2-256 digest.", cid=text)
    return multihash[2:]


@dataclass(frozen=True)
class StoredFile:
    """A file of a store's folder that `DocumentStore.verify` found wrong.

    Attributes:
        name: Its file name (the CID it claims to hold).
        problem: What is wrong, in a few words.
    """

    name: str
    problem: str


class DocumentStore:
    """Documents kept in a local folder under their CID; every read is checked against it.

    Args:
        path: The folder (created on first `put` if missing).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"DocumentStore({str(self.path)!r})"

    @property
    def location(self) -> str:
        """Where the documents are, as messages name it: the folder."""
        return str(self.path)

    def _file(self, cid_text: str) -> tuple[Path, bytes, str]:
        digest = _digest_of(cid_text)
        canonical = _cid_for_digest(digest)
        return self.path / canonical, digest, canonical

    def put(self, data: bytes, *, share: bool = True) -> str:
        """Stores `data` and returns its CID; storing the same bytes again changes nothing.

        The file is written to a temporary name and renamed, so a reader never sees a partial document.
        A stored copy that was damaged is replaced.

        Args:
            data: The document's bytes.
            share: Whether a shared store may publish it (`RemoteStore` uploads it); a folder shares nothing,
                so here it changes nothing.

        Returns:
            Its CID (CIDv1, raw, sha2-256, base32: "bafkrei...").
        """
        digest = hashlib.sha256(data).digest()
        name = _cid_for_digest(digest)
        target = self.path / name
        with contextlib.suppress(OSError):
            if hashlib.sha256(target.read_bytes()).digest() == digest:
                return name
        self.path.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return name

    def get(self, cid: str) -> bytes:
        """The bytes of document `cid`, checked against its digest.

        Args:
            cid: The document's CID (any multibase form of a CIDv1 raw sha2-256).

        Returns:
            The document's bytes.

        Raises:
            InvalidCid: `cid` is malformed or not a CID this store holds.
            DocumentNotFound: The store does not hold it.
            DocumentCorrupted: The stored bytes no longer match the CID.
        """
        return self._read(cid)

    def _read(self, cid: str) -> bytes:
        """`get` from the folder alone (what a subclass that fetches from elsewhere falls back from)."""
        target, digest, canonical = self._file(cid)
        try:
            data = target.read_bytes()
        except FileNotFoundError:
            raise DocumentNotFound(canonical) from None
        actual = hashlib.sha256(data).digest()
        if actual != digest:
            raise DocumentCorrupted(canonical, actual.hex())
        return data

    def has(self, cid: str) -> bool:
        """Whether the store holds document `cid` (its content is not checked; `get` does).

        Raises:
            InvalidCid: `cid` is malformed.
        """
        target, _, _ = self._file(cid)
        return target.is_file()

    def sha256_of(self, cid: str) -> str:
        """The SHA-256 (lower-case hex) that `cid` names, as cited by `Document.sha256`.

        Raises:
            InvalidCid: `cid` is malformed.
        """
        return _digest_of(cid).hex()

    def cids(self) -> Iterator[str]:
        """The CIDs of the files in the folder, in name order (files not named by a CID are left out)."""
        try:
            names = sorted(entry.name for entry in os.scandir(self.path) if entry.is_file())
        except FileNotFoundError:
            return
        for name in names:
            with contextlib.suppress(InvalidCid):
                if _cid_for_digest(_digest_of(name)) == name:
                    yield name

    def verify(self) -> list[StoredFile]:
        """Re-hashes every document of the folder; the files whose bytes no longer match their CID.

        Files that are not named by a CID (a temporary file left by a crash, notes) are not documents and
        are not listed.

        Raises:
            OSError: The folder cannot be listed.
        """
        found: list[StoredFile] = []
        for name in self.cids():
            try:
                self._read(name)
            except DocumentCorrupted as error:
                found.append(StoredFile(name, f"its bytes hash to sha256 {error.actual_sha256}"))
            except DocumentNotFound:
                continue  # removed while the folder was read
            except OSError as error:
                found.append(StoredFile(name, f"cannot be read ({error.strerror or error})"))
        return found
