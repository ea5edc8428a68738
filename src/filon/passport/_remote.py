"""`RemoteStore`: the document store the supply chain shares, served by an explorer, with a local cache.

Every party keeps its own folder as a cache; the explorer's `/ipfs/` endpoints are the shared store. A write
goes to the cache first, then is uploaded, signed with the party's account (see `_upload`); a read comes from
the cache, else is fetched and checked against its CID before it is cached or used. An upload that fails
leaves the document in the cache, marked pending (`.pending/<cid>`), and is retried by the next write and by
`sync`. Documents written with `share=False` (those cited only by evidence the holder withholds) stay in the
cache and are never uploaded (`.private/<cid>`). `open_store` picks the local or the remote store from a
folder or an http(s) URL.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
from eth_account.signers.local import LocalAccount

from filon._deployment import Deployment
from filon._errors import AccountRequired, FilonError, InvalidInput
from filon._offline import DeclarationDomain
from filon._transport import scrub, short, shown_url, system_words
from filon.passport._store import DocumentCorrupted, DocumentNotFound, DocumentStore, InvalidCid
from filon.passport._upload import sign_upload

__all__ = [
    "RAW_BLOCK",
    "STORE_CACHE_ENV",
    "STORE_ENV",
    "DocumentTampered",
    "RemoteStore",
    "StoreSync",
    "StoreUnavailable",
    "UploadRefused",
    "is_remote",
    "open_store",
]

STORE_ENV = "FILON_STORE"
"""The environment variable naming the document store: a folder, or the http(s) URL of a shared store."""

STORE_CACHE_ENV = "FILON_STORE_CACHE"
"""The environment variable naming the local cache folder of a shared store (default `.filon/store`)."""

DEFAULT_FOLDER = Path(".filon") / "store"
RAW_BLOCK = "application/vnd.ipld.raw"
DEFAULT_TIMEOUT = 30.0
MAX_DOCUMENT_BYTES = 100 * 2**20
"""The most bytes a fetch accepts: no document a passport cites is larger (the CLI's limit too)."""

_PENDING = ".pending"
_PRIVATE = ".private"
_CHUNK = 256 * 1024
_ERROR_PAGE_BYTES = 64 * 1024


class StoreUnavailable(FilonError, ConnectionError):
    """The shared document store cannot be reached, timed out, or failed on its side (a 5xx).

    Attributes:
        url: The store's URL as messages show it (no path, query or credentials).
    """

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


class UploadRefused(FilonError, PermissionError):
    """The shared store refused an upload; the document stays in the local cache, pending.

    Attributes:
        url: The store's URL as messages show it.
        cid: The document refused.
        status: The HTTP status of the refusal (401 bad signature, 403 not allowed, 413 too large, ...).
    """

    def __init__(self, message: str, *, url: str, cid: str, status: int) -> None:
        super().__init__(message)
        self.url = url
        self.cid = cid
        self.status = status


class DocumentTampered(DocumentCorrupted):
    """The shared store served bytes that do not hash to the CID asked for; they were not used or cached.

    Attributes:
        url: The store's URL as messages show it.
    """

    def __init__(self, cid: str, actual_sha256: str, *, url: str) -> None:
        super().__init__(cid, actual_sha256)
        self.args = (
            f"The document store at {url} served bytes for {cid} that hash to sha256 {actual_sha256}, "
            "not to that CID: they were not used.",
        )
        self.url = url


@dataclass
class StoreSync:
    """What `RemoteStore.sync` did.

    Attributes:
        uploaded: The CIDs it uploaded.
        present: How many cached documents the server already held.
        private: How many cached documents are kept here only (never uploaded).
        failed: The CIDs it could not upload, with the reason.
    """

    uploaded: list[str] = field(default_factory=list)
    present: int = 0
    private: int = 0
    failed: dict[str, str] = field(default_factory=dict)


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise InvalidInput(
            f"A shared document store is an http(s) URL like https://trace.example.org, not {shown_url(url)}"
        )
    return url.rstrip("/")


class RemoteStore(DocumentStore):
    """A shared document store (an explorer's `/ipfs/`) behind a local cache folder, which `path` names.

    Reads are checked against their CID before they are cached or returned; writes are signed with
    `account` for `deployment` and uploaded. Without an account the store only reads.

    Args:
        url: The store's base URL (the explorer's, e.g. https://trace.example.org).
        cache: The local cache folder (created on the first write).
        account: The key that signs uploads (an admitted participant or a registrar); None to only read.
        deployment: The deployment the uploads are signed for (needed with `account`).
        timeout: Seconds to wait for the server at each step of a request.

    Raises:
        InvalidInput: `url` is not an http(s) URL, or `account` is given without `deployment`.
    """

    def __init__(
        self,
        url: str,
        cache: str | os.PathLike[str],
        *,
        account: LocalAccount | None = None,
        deployment: Deployment | DeclarationDomain | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(cache)
        self.url = _check_url(url)
        self.shown_url = shown_url(self.url)
        if account is not None and deployment is None:
            raise InvalidInput("A shared store that uploads needs the deployment its uploads are signed for")
        self.account = account
        self.domain = DeclarationDomain.of(deployment) if deployment is not None else None
        self._http = httpx2.Client(timeout=timeout, follow_redirects=False)

    def __repr__(self) -> str:
        who = self.account.address if self.account else "read-only"
        return f"RemoteStore({self.shown_url!r}, cache={str(self.path)!r}, {who})"

    @property
    def location(self) -> str:
        """Where the documents are, as messages name it: the server, and the cache folder."""
        return f"{self.shown_url} (cache {self.path})"

    # ------------------------------------------------------------------ reads

    def get(self, cid: str) -> bytes:
        """The bytes of document `cid`: from the cache, else fetched, checked against the CID and cached.

        A cached copy that was damaged is fetched again.

        Raises:
            InvalidCid: `cid` is malformed.
            DocumentNotFound: Neither the cache nor the server holds it.
            DocumentTampered: The server's bytes do not match the CID (nothing is cached or returned).
            StoreUnavailable: The server cannot be reached or failed.
        """
        try:
            return self._read(cid)
        except (DocumentNotFound, DocumentCorrupted):
            pass
        _, digest, canonical = self._file(cid)
        data = self._fetch(canonical)
        actual = hashlib.sha256(data).digest()
        if actual != digest:
            raise DocumentTampered(canonical, actual.hex(), url=self.shown_url)
        DocumentStore.put(self, data)
        return data

    def has(self, cid: str) -> bool:
        """Whether the cache or the server holds document `cid` (its content is not checked; `get` does).

        Raises:
            InvalidCid: `cid` is malformed.
            StoreUnavailable: The server cannot be reached or failed.
        """
        target, _, canonical = self._file(cid)
        return target.is_file() or self._server_has(canonical)

    # ------------------------------------------------------------------ writes

    def put(self, data: bytes, *, share: bool = True) -> str:
        """Caches `data` and uploads it (unless `share` is False); returns its CID.

        Then retries the uploads earlier writes left pending. Uploading bytes the server already holds
        changes nothing there.

        Args:
            data: The document's bytes.
            share: False keeps the document in the cache only, never uploaded (a document the holder cites
                only in evidence it withholds).

        Returns:
            Its CID.

        Raises:
            AccountRequired: `share` and the store has no account to sign uploads with (nothing is written).
            UploadRefused: The server refused it; it stays in the cache, pending (`sync` uploads it).
            StoreUnavailable: The server cannot be reached; it stays in the cache, pending.
        """
        if share:
            self._signer()
        cid = DocumentStore.put(self, data)
        if not share:
            if not self._marked(_PENDING, cid):
                self._mark(_PRIVATE, cid)
            return cid
        self._unmark(_PRIVATE, cid)
        self._mark(_PENDING, cid)
        self._upload(cid, data)
        self._unmark(_PENDING, cid)
        self._retry_pending()
        return cid

    def pending(self) -> list[str]:
        """The CIDs written to the cache and not uploaded yet, in name order."""
        return sorted(self._markers(_PENDING))

    def sync(self) -> StoreSync:
        """Uploads every cached document the server lacks (asking `HEAD /ipfs/{cid}` for each), except those
        kept private; clears the pending marks of what the server then holds.

        Returns:
            What was uploaded, already there, private, or refused.

        Raises:
            AccountRequired: A document must be uploaded and the store has no account.
            StoreUnavailable: The server cannot be reached (what was uploaded before stays uploaded).
        """
        report = StoreSync()
        private = set(self._markers(_PRIVATE))
        for cid in self.cids():
            if cid in private:
                report.private += 1
                continue
            if self._server_has(cid):
                self._unmark(_PENDING, cid)
                report.present += 1
                continue
            try:
                data = self._read(cid)
            except DocumentCorrupted as error:
                report.failed[cid] = f"the cached copy is corrupted (its bytes hash to {error.actual_sha256})"
                continue
            except DocumentNotFound:
                continue  # removed while the folder was read
            self._signer()
            try:
                self._upload(cid, data)
            except UploadRefused as error:
                report.failed[cid] = str(error)
                continue
            self._unmark(_PENDING, cid)
            report.uploaded.append(cid)
        return report

    # ------------------------------------------------------------------ HTTP

    def _address(self, cid: str) -> str:
        return f"{self.url}/ipfs/{cid}"

    @contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        try:
            yield
        except FilonError:  # already said (StoreUnavailable is an OSError too)
            raise
        except (httpx2.HTTPError, httpx2.InvalidURL, OSError) as error:
            reason = (
                "timed out"
                if isinstance(error, httpx2.TimeoutException)
                else system_words(error) or str(error) or "no answer"
            )
            raise StoreUnavailable(
                f"Cannot reach the document store at {self.shown_url} to {what} "
                f"({short(scrub(reason, self.url))}).",
                url=self.shown_url,
            ) from None

    def _detail(self, response: httpx2.Response) -> str:
        """The server's one sentence (`{"detail": ...}` or plain text), shortened and with secrets cut."""
        try:
            body = response.json()
            text = body.get("detail") if isinstance(body, dict) else None
        except ValueError:
            text = None
        if not isinstance(text, str):
            text = response.text if response.headers.get("content-type", "").startswith("text/plain") else ""
        return short(scrub(" ".join(text.split()), self.url)) or response.reason_phrase

    @staticmethod
    def _error_page(response: httpx2.Response) -> httpx2.Response:
        """A streamed answer's status, type and first 64 KiB, read (all an error page's detail needs, and no
        more of whatever a broken server sends)."""
        page = next(response.iter_bytes(_ERROR_PAGE_BYTES), b"")  # chunks of that size, but the last
        # Only its type: the bytes are decoded already (a Content-Encoding kept would decode them again).
        kind = {"content-type": response.headers.get("content-type", "")}
        return httpx2.Response(response.status_code, headers=kind, content=page)

    def _unavailable(self, response: httpx2.Response, what: str) -> StoreUnavailable:
        return StoreUnavailable(
            f"The document store at {self.shown_url} failed to {what}: HTTP {response.status_code} "
            f"({self._detail(response)}).",
            url=self.shown_url,
        )

    def _fetch(self, cid: str) -> bytes:
        what = f"fetch {cid}"
        with self._translated(what):
            request = self._http.build_request(
                "GET", self._address(cid), params={"format": "raw"}, headers={"Accept": RAW_BLOCK}
            )
            response = self._http.send(request, stream=True)
            try:
                if response.status_code == 404:
                    raise DocumentNotFound(cid)
                if response.status_code != 200:
                    raise self._unavailable(self._error_page(response), what)
                chunks: list[bytes] = []
                total = 0
                for chunk in response.iter_bytes(_CHUNK):
                    total += len(chunk)
                    if total > MAX_DOCUMENT_BYTES:
                        raise StoreUnavailable(
                            f"The document store at {self.shown_url} sent more than "
                            f"{MAX_DOCUMENT_BYTES // 2**20} MiB for {cid}: no document is that large.",
                            url=self.shown_url,
                        )
                    chunks.append(chunk)
            finally:
                response.close()
        return b"".join(chunks)

    def _server_has(self, cid: str) -> bool:
        what = f"look for {cid}"
        with self._translated(what):
            response = self._http.head(
                self._address(cid), params={"format": "raw"}, headers={"Accept": RAW_BLOCK}
            )
        if response.status_code == 200:
            return True
        if response.status_code == 404:
            return False
        raise self._unavailable(response, what)

    def _signer(self) -> tuple[LocalAccount, DeclarationDomain]:
        if self.account is None or self.domain is None:
            raise AccountRequired(
                f"Cannot upload to the document store at {self.shown_url}: this store is read-only "
                "(connect with an account to write)."
            )
        return self.account, self.domain

    def _upload(self, cid: str, data: bytes) -> None:
        account, domain = self._signer()
        signature = sign_upload(account, domain, cid, len(data))
        with self._translated(f"upload {cid}"):
            response = self._http.put(
                self._address(cid),
                content=data,
                headers={"Content-Type": RAW_BLOCK, **signature.headers()},
            )
        if response.status_code in (200, 201):
            return
        if response.status_code >= 500 and response.status_code != 503:
            raise self._unavailable(response, f"upload {cid}")
        raise UploadRefused(
            f"The document store at {self.shown_url} refused {cid} (HTTP {response.status_code}: "
            f"{self._detail(response)}); it stays in the cache {self.path} until `filon store sync` "
            "uploads it.",
            url=self.shown_url,
            cid=cid,
            status=response.status_code,
        )

    def _retry_pending(self) -> None:
        """Uploads what earlier writes left pending; stops at the first that cannot reach the server."""
        for cid in self.pending():
            try:
                self._upload(cid, self._read(cid))
            except StoreUnavailable:
                return
            except (UploadRefused, DocumentNotFound, DocumentCorrupted, InvalidCid):
                continue  # left pending: `sync` reports why
            self._unmark(_PENDING, cid)

    # ------------------------------------------------------------------ marks (one empty file per CID)

    def _mark(self, kind: str, cid: str) -> None:
        folder = self.path / kind
        folder.mkdir(parents=True, exist_ok=True)
        (folder / cid).touch()

    def _unmark(self, kind: str, cid: str) -> None:
        (self.path / kind / cid).unlink(missing_ok=True)

    def _marked(self, kind: str, cid: str) -> bool:
        return (self.path / kind / cid).is_file()

    def _markers(self, kind: str) -> list[str]:
        try:
            return [entry.name for entry in os.scandir(self.path / kind) if entry.is_file()]
        except FileNotFoundError:
            return []


def is_remote(value: str | os.PathLike[str]) -> bool:
    """Whether a store named `value` is a shared one (an http(s) URL) rather than a folder.

    Raises:
        InvalidInput: `value` is a URL of another scheme.
    """
    text = os.fspath(value)
    if "://" not in text:
        return False
    if urlsplit(text).scheme.lower() in ("http", "https"):
        return True
    raise InvalidInput(f"A document store is a folder or an http(s) URL, not {shown_url(text)}")


def open_store(
    value: DocumentStore | str | os.PathLike[str] | None = None,
    *,
    cache: str | os.PathLike[str] | None = None,
    account: LocalAccount | None = None,
    deployment: Deployment | DeclarationDomain | None = None,
) -> DocumentStore:
    """The document store `value` names: a folder (`DocumentStore`), or an http(s) URL (`RemoteStore`).

    Args:
        value: A folder, a URL, or a store already open (returned as it is); None reads `FILON_STORE`,
            else `.filon/store`.
        cache: A shared store's cache folder; None reads `FILON_STORE_CACHE`, else `.filon/store`.
        account: The key a shared store signs uploads with (None: it only reads).
        deployment: The deployment those uploads are for.

    Raises:
        InvalidInput: `value` is a URL that is not http(s), or has a query or fragment.
    """
    if isinstance(value, DocumentStore):
        return value
    if value is None:
        value = os.environ.get(STORE_ENV) or DEFAULT_FOLDER
    if not is_remote(value):
        return DocumentStore(value)
    folder = cache if cache is not None else os.environ.get(STORE_CACHE_ENV) or DEFAULT_FOLDER
    return RemoteStore(os.fspath(value), folder, account=account, deployment=deployment)
