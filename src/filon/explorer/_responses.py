"""What the explorer answers with: HTML pages from the templates and their filters, and error responses.

An error is JSON under /api/ and an HTML page elsewhere, whichever part of the explorer raised it: a route,
the body limit or the last-line handler.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import Scope

from filon._errors import FilonError, InvalidInput, UnknownLot, UnknownMine
from filon.explorer._graph import MAX_GRAPH_LOTS
from filon.index import IndexBusy, IndexDatabaseError

logger = logging.getLogger("filon.explorer")

HERE = Path(__file__).parent
UNAVAILABLE_RETRY_AFTER = 5
"""Seconds a client is told to wait when the index database fails (a busy one says its own wait)."""
MAX_ID = 2**256 - 1  # lot ids are ERC-721 token ids (uint256); mine ids fit in the same range
MAX_QUERY = 200


class UploadTooLarge(HTTPException):
    """A request body or uploaded file over the explorer's limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The document is larger than the {size(limit)} this explorer accepts.")


def size(count: int) -> str:
    """A byte count as people write it: "20 MiB", "512 KiB", "1,000 bytes"."""
    if count >= 2**20 and count % 2**20 == 0:
        return f"{count // 2**20} MiB"
    if count >= 1024 and count % 1024 == 0:
        return f"{count // 1024} KiB"
    return f"{count:,} bytes"


def is_api(scope: Scope) -> bool:
    """Whether a request is for the JSON API (under /api/), the document store (under /ipfs/) or the status
    lists (under /status/), which answer errors in JSON too."""
    root = scope.get("root_path", "")
    path: str = scope.get("path", "").removeprefix(root)
    return path.startswith(("/api/", "/ipfs/", "/status/")) or path == "/api"


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


def html_page(body: bytes) -> HTMLResponse:
    """A page already rendered (`render(...).body`), with the headers every page carries."""
    return HTMLResponse(body, headers=_PAGE_HEADERS)


def json_body(model: BaseModel) -> bytes:
    """A response model as FastAPI sends it (pydantic's own JSON, by alias: an infinite float is `null`,
    never an error), for bodies kept."""
    return model.__pydantic_serializer__.to_json(model, by_alias=True)


def render(scope: Scope, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page from `templates/`, with the headers every page carries (CSP, nosniff, referrer policy).

    Args:
        scope: The request's ASGI scope; its root path prefixes every link on the page.
        template: The template's file name, e.g. "lot.html".
        status_code: The response's status.
        **context: The template's variables; `query` (the search box) and `json_url` default to empty.

    Returns:
        The HTML response.
    """
    root = scope.get("root_path", "").rstrip("/")
    context.setdefault("query", "")
    context.setdefault("json_url", None)
    html = _ENVIRONMENT.get_template(template).render(root=root, **context)
    return HTMLResponse(html, status_code=status_code, headers=_PAGE_HEADERS)


# ---------------------------------------------------------------------------------------------- errors

_TITLES = {
    400: "Bad request",
    404: "Not found",
    405: "Method not allowed",
    401: "Not authenticated",
    403: "Not allowed",
    406: "Not acceptable",
    411: "Length required",
    413: "Too large",
    422: "Cannot read the request",
    500: "Server error",
    503: "Index unavailable",
}


def error_response(
    scope: Scope, status_code: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """An error said in one sentence: `{"detail": message}` under /api/, the error page elsewhere.

    Args:
        scope: The request's ASGI scope.
        status_code: The response's status.
        message: The sentence, for people.
        headers: Headers the response carries besides the page's own (e.g. Allow on a 405).

    Returns:
        The response; plain text if even the error page cannot be rendered.
    """
    if is_api(scope):
        return JSONResponse({"detail": message}, status_code=status_code, headers=headers)
    try:
        response: Response = render(
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


async def http_error(request: Request, exc: HTTPException) -> Response:
    """Starlette's and the routes' HTTP errors, with Starlette's bare reasons said in sentences."""
    message = exc.detail
    if exc.status_code == 404 and message == "Not Found":
        message = "There is no page at this address."
    elif exc.status_code == 405 and message == "Method Not Allowed":
        message = f"This address does not answer {request.method} requests."
    return error_response(request.scope, exc.status_code, message, exc.headers)


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    """A request FastAPI cannot read: its usual 422 JSON under /api/, an error page in sentences elsewhere."""
    if is_api(request.scope):
        return await request_validation_exception_handler(request, exc)
    return error_response(request.scope, 422, " ".join(_validation_messages(exc.errors())))


async def filon_error(request: Request, exc: FilonError) -> Response:
    """Filón's errors: unknown lots and mines are 404, bad input 400, a busy or unreachable index database
    503 with Retry-After."""
    if isinstance(exc, UnknownLot | UnknownMine):
        return error_response(request.scope, 404, str(exc))
    if isinstance(exc, IndexBusy):
        logger.error("The index database is busy answering %s: %s", request.url.path, exc)
        return error_response(
            request.scope,
            503,
            f"The index is busy now; try again in {exc.retry_after} seconds.",
            {"Retry-After": str(exc.retry_after)},
        )
    if isinstance(exc, IndexDatabaseError):
        logger.error("The index database failed answering %s: %s", request.url.path, exc)
        return error_response(
            request.scope,
            503,
            "The index is unavailable now; try again shortly.",
            {"Retry-After": str(UNAVAILABLE_RETRY_AFTER)},
        )
    if isinstance(exc, InvalidInput):
        return error_response(request.scope, 400, str(exc))
    logger.error("Unexpected %s answering %s: %s", type(exc).__name__, request.url.path, exc)
    return error_response(request.scope, 500, "Something went wrong on the explorer's side.")
