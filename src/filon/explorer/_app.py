"""The explorer's web application: its state, middleware, error handlers and routers, and the index syncer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from filon._errors import FilonError, InvalidInput
from filon._uploaders import Uploaders
from filon.explorer import _views as views
from filon.explorer._middleware import BodyLimit, LastLineErrors, NoSniff
from filon.explorer._responses import filon_error, http_error, validation_error
from filon.explorer.routes import api, documents, pages, parties, plants, qr
from filon.explorer.routes import status as status_routes
from filon.explorer.routes import store as store_routes
from filon.explorer.routes._common import ExplorerState
from filon.index import BackgroundSync, FlagRules, Index
from filon.passport import DocumentStore

logger = logging.getLogger("filon.explorer")

STATIC = Path(__file__).parent / "static"

# A multipart body wraps the file in a few hundred bytes of headers; this much slack lets a file of exactly
# the limit through the body check, and the file check then counts the file's own bytes.
MULTIPART_SLACK = 64 * 1024

DEFAULT_RULES = FlagRules()


def _check_public_url(public_url: str | None) -> str | None:
    if public_url is None:
        return None
    parts = urlsplit(public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidInput(f"public_url is an http(s) address like https://filon.example, not {public_url!r}")
    return public_url.rstrip("/")


def create_app(
    index: Index,
    store: DocumentStore,
    *,
    rules: FlagRules = DEFAULT_RULES,
    public_url: str | None = None,
    max_upload_bytes: int = 20 * 2**20,
    sync_interval: float | None = None,
    uploaders: Uploaders | None = None,
    upload_window: float = 300.0,
) -> FastAPI:
    """The explorer: server-rendered pages that work without JavaScript, and their data as JSON under /api/.

    Args:
        index: The index to read (`filon.index.open_index`).
        store: The document store holding the passports and the documents they cite: the store the supply
            chain shares, served under /ipfs/ (a folder).
        rules: The red-flag thresholds.
        public_url: The address buyers reach the explorer at (e.g. https://explorer.example): what the QR
            codes and `url` fields encode. None takes the address the server listens at (never the
            request's Host header).
        max_upload_bytes: The largest document the "verify a document" form, and an upload to the store,
            accept.
        sync_interval: Seconds between two syncs of the index while the app runs; None never syncs (the
            index is then read as it is, e.g. opened without an RPC URL).
        uploaders: Who may upload to the store, asked of the chain (`filon._uploaders.Uploaders`); None
            answers every signed upload 503 (this explorer has no node to check with).
        upload_window: How many seconds an upload's signed timestamp may be from the server's clock (the
            replay window).

    Returns:
        The ASGI application (serve it with uvicorn).

    Raises:
        InvalidInput: A limit or the public URL is not usable.
    """
    if isinstance(max_upload_bytes, bool) or max_upload_bytes < 1:
        raise InvalidInput(f"max_upload_bytes is 1 or more, not {max_upload_bytes}")
    if sync_interval is not None and not sync_interval > 0:
        raise InvalidInput(f"sync_interval is a positive number of seconds, not {sync_interval}")
    if not upload_window > 0:
        raise InvalidInput(f"upload_window is a positive number of seconds, not {upload_window}")
    if index.records_store is None:  # the sync reads published records from the store the explorer serves
        index.records_store = store
    state = ExplorerState(
        explorer=views.Explorer(index=index, store=store, rules=rules),
        public_url=_check_public_url(public_url),
        max_upload_bytes=max_upload_bytes,
        uploaders=uploaders,
        upload_window=upload_window,
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        syncer = BackgroundSync(index, sync_interval) if sync_interval is not None else None
        app.state.syncer = syncer
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
        # Swagger UI and ReDoc load their scripts from a CDN: a page of this explorer must load nothing from
        # elsewhere. The OpenAPI document stays at /openapi.json, for any OpenAPI viewer or client generator.
        docs_url=None,
        redoc_url=None,
        openapi_tags=[
            {"name": "api", "description": "JSON: the data of each page."},
            {"name": "pages", "description": "HTML pages, usable without JavaScript."},
            {"name": "qr", "description": "QR codes of lot pages, for tags on bars and jewellery."},
            {
                "name": "status",
                "description": "Attesters' revocation lists (W3C Bitstring Status List), derived from the "
                "chain, that conformity credentials point at (docs/credentials.md).",
            },
            {
                "name": "store",
                "description": "The document store the supply chain shares: an IPFS trustless gateway "
                "for raw blocks, and signed uploads by participants and registrars (docs/store.md).",
            },
        ],
        exception_handlers={
            HTTPException: http_error,
            RequestValidationError: validation_error,
            FilonError: filon_error,
        },
    )
    app.state.explorer = state
    app.add_middleware(BodyLimit, limit=max_upload_bytes + MULTIPART_SLACK, file_limit=max_upload_bytes)
    app.add_middleware(LastLineErrors)
    app.add_middleware(NoSniff)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    routers = (
        api.router,
        pages.router,
        parties.router,
        plants.router,
        qr.router,
        store_routes.router,
        status_routes.router,
        documents.router,
    )
    for router in routers:
        app.include_router(router)
    return app
