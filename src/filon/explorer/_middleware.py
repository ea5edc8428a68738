"""The explorer's ASGI middleware: the request body limit, the last-line error handler, and nosniff."""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from filon.explorer._responses import UploadTooLarge, error_response

logger = logging.getLogger("filon.explorer")


class BodyLimit:
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
            response = error_response(scope, 413, UploadTooLarge(self.file_limit).detail)
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


class LastLineErrors:
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
                response = error_response(scope, 500, "Something went wrong on the explorer's side.")
                await response(scope, receive, send)


class NoSniff:
    """Every response says `X-Content-Type-Options: nosniff`: a browser must take JSON (whose strings come
    from the chain, e.g. external references) for what its Content-Type says, never sniff it into HTML."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"x-content-type-options"
                ]
                message = {**message, "headers": [*headers, (b"x-content-type-options", b"nosniff")]}
            await send(message)

        await self.app(scope, receive, marked)
