"""The explorer's web application: HTML pages and the JSON API over the same page functions."""

from __future__ import annotations

import asyncio
import datetime
import io
import logging
import threading
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from enum import Enum
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

import segno
from fastapi import FastAPI, File, Path, Query, Request, UploadFile
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from filon._errors import FilonError, InvalidInput, UnknownLot, UnknownMine
from filon.explorer import _views as views
from filon.explorer._graph import MAX_GRAPH_LOTS, provenance_svg
from filon.explorer._models import (
    ErrorOut,
    HomeOut,
    LotOut,
    MineOut,
    SearchOut,
    StatusOut,
    VerifyOut,
)
from filon.index import FlagRules, Index, IndexDatabaseError
from filon.passport import DocumentStore

logger = logging.getLogger("filon.explorer")

HERE = FilePath(__file__).parent
MAX_ID = 2**256 - 1  # lot ids are ERC-721 token ids (uint256); mine ids fit in the same range
MAX_QUERY = 200
# A multipart body wraps the file in a few hundred bytes of headers; this much slack lets a file of exactly
# the limit through the body check, and the file check then counts the file's own bytes.
MULTIPART_SLACK = 64 * 1024
READ_CHUNK = 256 * 1024
QR_ERROR = "m"  # 15% of the code can be lost (a scratched tag) and it still reads
QR_SVG_SCALE = 4
QR_PNG_SCALE = 8
QR_BORDER = 4

DEFAULT_RULES = FlagRules()

LotIdPath = Annotated[int, Path(ge=0, le=MAX_ID, description="The lot id (its ERC-721 token id).")]
MineIdPath = Annotated[int, Path(ge=0, le=MAX_ID, description="The mine id.")]
QueryParam = Annotated[
    str,
    Query(
        max_length=MAX_QUERY,
        description='A lot id ("501"), an external reference, a mine ("mine 3") or a 0x address.',
    ),
]
DocumentFile = Annotated[UploadFile, File(description="The document to look for in the passports.")]

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "No such lot or mine."}}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut, "description": "The upload is over the limit."}
}


class UploadTooLarge(HTTPException):
    """A request body or uploaded file over the explorer's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The document is larger than the {_size(limit)} this explorer accepts.")


def _size(count: int) -> str:
    if count >= 2**20 and count % 2**20 == 0:
        return f"{count // 2**20} MiB"
    if count >= 1024 and count % 1024 == 0:
        return f"{count // 1024} KiB"
    return f"{count:,} bytes"


def _is_api(scope: Scope) -> bool:
    root = scope.get("root_path", "")
    path: str = scope.get("path", "")
    return path.removeprefix(root).startswith("/api/") or path.removeprefix(root) == "/api"


class _BodyLimit:
    """Refuses a request body over `limit` bytes: at once from its Content-Length, else as it arrives.

    Counting as the body arrives is what stops a client that sends no Content-Length (chunked) or a false
    one: the multipart parser would otherwise spool whatever it is sent to disk before the endpoint runs.
    """

    def __init__(self, app: ASGIApp, *, limit: int, file_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.file_limit = file_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            response = _error_response(scope, 413, UploadTooLarge(self.file_limit).detail)
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise UploadTooLarge(self.file_limit)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class _Errors:
    """The last line: an unexpected error is logged with its traceback and answered with a generic 500.

    Starlette's own last line would answer the same, then raise the error again into the server; answering
    here keeps the server's log to the one entry written below, and never lets a traceback reach a client.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            logger.exception("Unexpected error answering %s %s", scope.get("method"), scope.get("path"))
            if not started:
                response = _error_response(scope, 500, "Something went wrong on the explorer's side.")
                await response(scope, receive, send)


# ---------------------------------------------------------------------------------------------- templates


def _utc(timestamp: int | None) -> str:
    if timestamp is None:
        return "—"
    try:
        when = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):  # a permit "forever" is beyond any calendar
        return f"{timestamp} (Unix time)"
    return when.strftime("%Y-%m-%d %H:%M:%S UTC")


def _day(timestamp: int | None) -> str:
    text = _utc(timestamp)
    return text[:10] if text.endswith(" UTC") else text


def _grams(mg: int) -> str:
    return f"{mg / 1000:,.3f} g"


def _short(value: str | None) -> str:
    if not value:
        return "—"
    return value if len(value) <= 14 else f"{value[:6]}…{value[-4:]}"


def _form(name: str) -> str:
    return {"dore": "doré"}.get(name, name)


_ENVIRONMENT = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENVIRONMENT.filters.update(utc=_utc, day=_day, grams=_grams, short=_short, form=_form)
_ENVIRONMENT.globals.update(max_graph_lots=MAX_GRAPH_LOTS, max_query=MAX_QUERY)

# No script runs on these pages (they need none); inline SVG uses attributes, never style="".
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _render(scope: Scope, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    root = scope.get("root_path", "").rstrip("/")
    context.setdefault("query", "")
    context.setdefault("json_url", None)
    html = _ENVIRONMENT.get_template(template).render(root=root, **context)
    return HTMLResponse(html, status_code=status_code, headers=_PAGE_HEADERS)


_TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    413: "Too large",
    422: "Cannot read the request",
    500: "Server error",
    503: "Index unavailable",
}


def _error_response(
    scope: Scope, status_code: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    if _is_api(scope):
        return JSONResponse({"detail": message}, status_code=status_code, headers=headers)
    try:
        response: Response = _render(
            scope,
            "error.html",
            status_code,
            title=_TITLES.get(status_code, f"Error {status_code}"),
            message=message,
        )
    except Exception:  # the error page itself failed: say so in plain text rather than fail twice
        logger.exception("The error page cannot be rendered")
        response = Response(message, status_code=status_code, media_type="text/plain")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


_FIELD_NAMES = {"lot_id": "A lot id", "mine_id": "A mine id"}


def _validation_messages(errors: Sequence[Any]) -> list[str]:
    """The errors of a request FastAPI cannot read, in sentences a buyer understands."""
    messages = []
    for error in errors:
        location = [str(part) for part in error.get("loc", ())]
        name = location[-1] if location else ""
        given = error.get("input")
        if name in _FIELD_NAMES:
            messages.append(
                f"{_FIELD_NAMES[name]} is a whole number from 0 to 2^256 - 1, not {str(given)[:40]!r}."
            )
        elif name == "q":
            messages.append(f"A search is at most {MAX_QUERY} characters long.")
        elif name == "document":
            messages.append("Choose a document to verify (the form field is named document).")
        else:
            messages.append(f"{'.'.join(location) or 'The request'}: {error.get('msg', 'is invalid')}.")
    return messages


# ---------------------------------------------------------------------------------------------- the app


def _base_url(request: Request, public_url: str | None) -> str:
    return public_url if public_url is not None else str(request.base_url).rstrip("/")


def _links(request: Request, public_url: str | None, lot_id: int) -> views.Links:
    page = f"{_base_url(request, public_url)}/lots/{lot_id}"
    return views.Links(url=page, qr=f"{page}/qr.svg", qr_png=f"{page}/qr.png")


def _qr(url: str) -> segno.QRCode:
    return segno.make(url, error=QR_ERROR, micro=False)


async def _read_upload(upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refusing (413) past `limit` without reading more than one chunk beyond it."""
    chunks: list[bytes] = []
    total = 0
    while chunk := await upload.read(READ_CHUNK):
        total += len(chunk)
        if total > limit:
            raise UploadTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _check_public_url(public_url: str | None) -> str | None:
    if public_url is None:
        return None
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidInput(f"public_url is an http(s) address like https://filon.example, not {public_url!r}")
    return public_url.rstrip("/")


class _Syncer:
    """Keeps the index in step with the chain from a thread, every `interval` seconds, until stopped.

    A thread, not an asyncio task: a sync is blocking I/O (RPC and database) and must not hold up the pages.
    A failed sync is logged (once per distinct error, so a node down for an hour is not 1,800 log entries)
    and tried again at the next interval; it never stops the server.
    """

    def __init__(self, index: Index, interval: float) -> None:
        self.index = index
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="filon-explorer-sync", daemon=True)
        self._last_error: str | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=max(self.interval, 5.0) + 30.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.index.sync()
            except Exception as exc:
                text = f"{type(exc).__name__}: {exc}"
                if text != self._last_error:
                    if isinstance(exc, FilonError):
                        logger.warning("The index cannot sync (retrying every %s s): %s", self.interval, exc)
                    else:
                        logger.exception("The index cannot sync (retrying every %s s)", self.interval)
                self._last_error = text
            else:
                if self._last_error is not None:
                    logger.warning("The index syncs again")
                self._last_error = None
            self._stop.wait(self.interval)


def create_app(
    index: Index,
    store: DocumentStore,
    *,
    rules: FlagRules = DEFAULT_RULES,
    public_url: str | None = None,
    max_upload_bytes: int = 20 * 2**20,
    sync_interval: float | None = None,
) -> FastAPI:
    """The explorer: server-rendered pages that work without JavaScript, and their data as JSON under /api/.

    Args:
        index: The index to read (`filon.index.open_index`).
        store: The document store holding the passports and the documents they cite.
        rules: The red-flag thresholds.
        public_url: The address buyers reach the explorer at (e.g. https://explorer.example): what the QR
            codes and `url` fields encode. None takes it from each request, which trusts its Host header.
        max_upload_bytes: The largest document the "verify a document" form accepts.
        sync_interval: Seconds between two syncs of the index while the app runs; None never syncs (the
            index is then read as it is, e.g. opened without an RPC URL).

    Returns:
        The ASGI application (serve it with uvicorn).

    Raises:
        InvalidInput: A limit or the public URL is not usable.
    """
    if isinstance(max_upload_bytes, bool) or max_upload_bytes < 1:
        raise InvalidInput(f"max_upload_bytes is 1 or more, not {max_upload_bytes}")
    if sync_interval is not None and not sync_interval > 0:
        raise InvalidInput(f"sync_interval is a positive number of seconds, not {sync_interval}")
    public = _check_public_url(public_url)
    explorer = views.Explorer(index=index, store=store, rules=rules)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        syncer = _Syncer(index, sync_interval) if sync_interval is not None else None
        if syncer is not None:
            syncer.start()
        try:
            yield
        finally:
            if syncer is not None:
                await asyncio.to_thread(syncer.stop)

    app = FastAPI(
        title="Filón explorer",
        summary="Where a gold lot came from, read from the chain: provenance, passports, red flags.",
        description=(
            "Every page of the explorer has its JSON here, built by the same function: `/lots/{id}` is "
            "`/api/lots/{id}`, `/mines/{id}` is `/api/mines/{id}`, `/search` is `/api/search`. Amounts are "
            "milligrams, times Unix seconds (UTC), hashes 0x hex."
        ),
        version="1",
        lifespan=lifespan,
        openapi_tags=[
            {"name": "api", "description": "JSON: the data of each page."},
            {"name": "pages", "description": "HTML pages, usable without JavaScript."},
            {"name": "qr", "description": "QR codes of lot pages, for tags on bars and jewellery."},
        ],
    )
    app.add_middleware(_BodyLimit, limit=max_upload_bytes + MULTIPART_SLACK, file_limit=max_upload_bytes)
    app.add_middleware(_Errors)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = exc.detail
        if exc.status_code == 404 and message == "Not Found":
            message = "There is no page at this address."
        elif exc.status_code == 405 and message == "Method Not Allowed":
            message = f"This address does not answer {request.method} requests."
        return _error_response(request.scope, exc.status_code, message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request.scope):
            return await request_validation_exception_handler(request, exc)
        return _error_response(request.scope, 422, " ".join(_validation_messages(exc.errors())))

    @app.exception_handler(FilonError)
    async def filon_error(request: Request, exc: FilonError) -> Response:
        if isinstance(exc, UnknownLot | UnknownMine):
            return _error_response(request.scope, 404, str(exc))
        if isinstance(exc, IndexDatabaseError):
            logger.error("The index database failed answering %s: %s", request.url.path, exc)
            return _error_response(request.scope, 503, "The index is unavailable now; try again shortly.")
        if isinstance(exc, InvalidInput):
            return _error_response(request.scope, 400, str(exc))
        logger.error("Unexpected %s answering %s: %s", type(exc).__name__, request.url.path, exc)
        return _error_response(request.scope, 500, "Something went wrong on the explorer's side.")

    _api_routes(app, explorer, public, max_upload_bytes)
    _page_routes(app, explorer, public, max_upload_bytes)
    return app


def _api_routes(app: FastAPI, explorer: views.Explorer, public_url: str | None, max_upload: int) -> None:
    @app.get("/api/", tags=["api"], summary="The home page's data: status and mines")
    def api_home() -> HomeOut:
        return views.home(explorer)

    @app.get("/api/status", tags=["api"], summary="What the index holds and how far it has read")
    def api_status() -> StatusOut:
        return views.status(explorer)

    @app.get("/api/lots/{lot_id}", tags=["api"], summary="A lot page's data", responses=NOT_FOUND)
    def api_lot(request: Request, lot_id: LotIdPath) -> LotOut:
        return views.lot(explorer, lot_id, _links(request, public_url, lot_id))

    @app.post(
        "/api/lots/{lot_id}/verify",
        tags=["api"],
        summary="Whether a lot's passports (or its ancestors') cite a document",
        responses={**NOT_FOUND, **TOO_LARGE},
    )
    async def api_verify(lot_id: LotIdPath, document: DocumentFile) -> VerifyOut:
        data = await _read_upload(document, max_upload)
        return await run_in_threadpool(views.verify, explorer, lot_id, data, document.filename)

    @app.get("/api/mines/{mine_id}", tags=["api"], summary="A mine page's data", responses=NOT_FOUND)
    def api_mine(mine_id: MineIdPath) -> MineOut:
        return views.mine(explorer, mine_id)

    @app.get("/api/search", tags=["api"], summary="Lots and mines matching a query")
    def api_search(q: QueryParam = "") -> SearchOut:
        return views.search(explorer, q)


def _page_routes(app: FastAPI, explorer: views.Explorer, public_url: str | None, max_upload: int) -> None:
    pages: list[str | Enum] = ["pages"]

    @app.get("/", tags=pages, response_class=HTMLResponse, summary="Home: search, mines, counts")
    def home_page(request: Request) -> Response:
        return _render(request.scope, "home.html", home=views.home(explorer), json_url=_api(request, "/api/"))

    @app.get(
        "/search",
        tags=pages,
        response_class=HTMLResponse,
        summary="Search results (303 to the result when there is one)",
    )
    def search_page(request: Request, q: QueryParam = "") -> Response:
        found = views.search(explorer, q)
        if len(found.lots) + len(found.mines) == 1:
            target = f"/lots/{found.lots[0].id}" if found.lots else f"/mines/{found.mines[0].id}"
            return RedirectResponse(_root(request) + target, status_code=303)
        return _render(
            request.scope,
            "search.html",
            search=found,
            query=q,
            json_url=_api(request, "/api/search", q=q),
        )

    @app.get(
        "/lots/{lot_id}",
        tags=pages,
        response_class=HTMLResponse,
        responses=NOT_FOUND,
        summary="A lot: provenance, custody, passports, carbon, red flags",
    )
    def lot_page(request: Request, lot_id: LotIdPath) -> Response:
        page = views.lot(explorer, lot_id, _links(request, public_url, lot_id))
        return _render(
            request.scope,
            "lot.html",
            lot=page,
            graph=provenance_svg(page, _root(request)),
            json_url=_api(request, f"/api/lots/{lot_id}"),
            max_upload=_size(max_upload),
        )

    @app.post(
        "/lots/{lot_id}/verify",
        tags=pages,
        response_class=HTMLResponse,
        responses={**NOT_FOUND, **TOO_LARGE},
        summary="The result of a document check",
    )
    async def verify_page(request: Request, lot_id: LotIdPath, document: DocumentFile) -> Response:
        data = await _read_upload(document, max_upload)
        result = await run_in_threadpool(views.verify, explorer, lot_id, data, document.filename)
        return _render(request.scope, "verify.html", result=result, max_upload=_size(max_upload))

    @app.get(
        "/mines/{mine_id}",
        tags=pages,
        response_class=HTMLResponse,
        responses=NOT_FOUND,
        summary="A mine: permit, capacity used, lots declared",
    )
    def mine_page(request: Request, mine_id: MineIdPath) -> Response:
        page = views.mine(explorer, mine_id)
        return _render(request.scope, "mine.html", mine=page, json_url=_api(request, f"/api/mines/{mine_id}"))

    def qr_of(request: Request, lot_id: int) -> segno.QRCode:
        if not explorer.index.has_lot(lot_id):
            raise UnknownLot(lot_id=lot_id)
        return _qr(_links(request, public_url, lot_id).url)

    images: list[str | Enum] = ["qr"]

    @app.get(
        "/lots/{lot_id}/qr.svg",
        tags=images,
        responses=NOT_FOUND,
        response_class=Response,
        summary="The QR code of a lot's page, as SVG",
    )
    def qr_svg(request: Request, lot_id: LotIdPath) -> Response:
        out = io.BytesIO()
        qr_of(request, lot_id).save(out, kind="svg", scale=QR_SVG_SCALE, border=QR_BORDER)
        return Response(out.getvalue(), media_type="image/svg+xml", headers=_IMAGE_HEADERS)

    @app.get(
        "/lots/{lot_id}/qr.png",
        tags=images,
        responses=NOT_FOUND,
        response_class=Response,
        summary="The QR code of a lot's page, as PNG",
    )
    def qr_png(request: Request, lot_id: LotIdPath) -> Response:
        out = io.BytesIO()
        qr_of(request, lot_id).save(out, kind="png", scale=QR_PNG_SCALE, border=QR_BORDER)
        return Response(out.getvalue(), media_type="image/png", headers=_IMAGE_HEADERS)


_IMAGE_HEADERS = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}


def _root(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def _api(request: Request, path: str, **params: str) -> str:
    return _root(request) + path + (f"?{urlencode(params)}" if params else "")
