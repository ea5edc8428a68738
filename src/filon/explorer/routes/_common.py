"""What the explorer's routes share: the explorer's state and its dependency, the parameter types, the
error responses they declare and the bounded reading of an upload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, File, Path, Query, Request, UploadFile

from filon._uploaders import Uploaders
from filon.explorer import _views as views
from filon.explorer._models import ErrorOut
from filon.explorer._responses import MAX_ID, MAX_QUERY, UploadTooLarge

READ_CHUNK = 256 * 1024


@dataclass(frozen=True)
class ExplorerState:
    """What the routes read, set by `create_app` on `app.state.explorer`.

    Attributes:
        explorer: The index, document store and red-flag thresholds the pages read.
        public_url: The address buyers reach the explorer at, without a trailing slash; None takes the
            address the server listens at (never the request's Host header, which any client sets).
        max_upload_bytes: The largest document the "verify a document" form, and an upload to the store,
            accept.
        uploaders: Who may upload to the store (checked on chain); None refuses every upload (no node).
        upload_window: How far, in seconds, an upload's signed timestamp may be from the server's clock.
    """

    explorer: views.Explorer
    public_url: str | None
    max_upload_bytes: int
    uploaders: Uploaders | None = None
    upload_window: float = 300.0

    def links(self, request: Request, lot_id: int) -> views.Links:
        """The absolute addresses of a lot's page and its QR codes.

        Args:
            request: The request: the address it reached the server at is used when no public URL is set.
            lot_id: The lot.

        Returns:
            The page's URL and its QR codes' (SVG and PNG).
        """
        base = self.public_url if self.public_url is not None else listening_url(request)
        page = f"{base}/lots/{lot_id}"
        return views.Links(url=page, qr=f"{page}/qr.svg", qr_png=f"{page}/qr.png")


def listening_url(request: Request) -> str:
    """The explorer's address as the server listens at it: the scheme, the local address and port the
    connection reached (ASGI's `server`), and the mount path. Never the Host header: a client sets that to
    anything, and a link built from it would send buyers, and the QR codes printed from it, to its host."""
    scheme = request.scope.get("scheme", "http")
    server = request.scope.get("server") or ("127.0.0.1", None)  # a Unix socket has no address
    host, port = str(server[0]), server[1]
    if ":" in host:  # IPv6
        host = f"[{host}]"
    if port is not None and port != {"http": 80, "https": 443}.get(scheme):
        host = f"{host}:{port}"
    root: str = request.scope.get("root_path", "")
    return f"{scheme}://{host}{root.rstrip('/')}"


async def explorer_state(request: Request) -> ExplorerState:
    """The explorer's state, from the application serving the request (a FastAPI dependency).

    Args:
        request: The request.

    Returns:
        What `create_app` set on `app.state.explorer`.
    """
    # async although it awaits nothing: FastAPI would run a plain function in its thread pool, a hop
    # that an attribute read does not need.
    state: ExplorerState = request.app.state.explorer
    return state


State = Annotated[ExplorerState, Depends(explorer_state)]
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


async def read_upload(upload: UploadFile, limit: int) -> bytes:
    """The upload's bytes, refusing past `limit` without reading more than one chunk beyond it.

    Args:
        upload: The uploaded file.
        limit: The most bytes it may have.

    Returns:
        Its bytes.

    Raises:
        UploadTooLarge: It has more than `limit` bytes (a 413).
    """
    chunks: list[bytes] = []
    total = 0
    while chunk := await upload.read(READ_CHUNK):
        total += len(chunk)
        if total > limit:
            raise UploadTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
