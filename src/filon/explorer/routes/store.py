"""The document store the supply chain shares, served under /ipfs/: an IPFS trustless gateway for raw blocks
(`GET` and `HEAD /ipfs/{cid}`), and signed uploads by admitted participants and registrars (`PUT`).

Every read is re-hashed against its CID before it is served (a damaged copy is not served: 404, logged), and
an upload is stored under the CID of its bytes, so it can never replace another document. docs/store.md is
the protocol.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from filon._errors import RpcError
from filon._offline import DeclarationDomain
from filon.explorer._models import ErrorOut
from filon.explorer._responses import UploadTooLarge
from filon.explorer.routes._common import ExplorerState, State
from filon.passport._remote import RAW_BLOCK
from filon.passport._store import DocumentCorrupted, DocumentNotFound, InvalidCid, cid_for_sha256
from filon.passport._upload import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    UPLOADER_HEADER,
    UploadNotAuthenticated,
    UploadSignature,
)

logger = logging.getLogger("filon.explorer")

MAX_CID = 200  # a CIDv1 of a sha2-256 digest is 59 characters in base32; any base fits in this
IMMUTABLE = "public, max-age=29030400, immutable"  # a year, as IPFS gateways cache what cannot change
ACCEPTED = {RAW_BLOCK, "application/*", "*/*"}
AUTHENTICATE = {"WWW-Authenticate": 'Filon-EIP712 realm="filon-store"'}


class UploadOut(BaseModel):
    """A document the store now holds."""

    cid: str = Field(description="Its CID (CIDv1, raw, sha2-256, base32).", examples=["bafkrei…"])
    size: int = Field(description="Its length in bytes.")
    created: bool = Field(description="False when the store already held these bytes (nothing changed).")


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


UPLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": UploadOut, "description": "The store already held these bytes: nothing changed."},
    400: _error("A malformed CID, or a body whose bytes are not that CID's or not its declared length."),
    401: _error("The upload's signature headers are missing or malformed, stale, or not the uploader's."),
    403: _error("The uploader is neither an admitted participant nor a registrar of this deployment."),
    411: _error("No Content-Length: the signed size must be declared."),
    413: _error("The document is over the explorer's limit."),
    503: _error("Uploads need the node, which this explorer was not started with or cannot reach."),
}

router = APIRouter(tags=["store"])


def _digest(state: ExplorerState, cid: str) -> tuple[bytes, str]:
    """The sha2-256 digest `cid` names, and its canonical form; a 400 if it is not a CID the store holds."""
    if len(cid) > MAX_CID:
        raise HTTPException(400, f"A CID is at most {MAX_CID} characters long.")
    try:
        digest = bytes.fromhex(state.explorer.store.sha256_of(cid))
    except InvalidCid as error:
        raise HTTPException(400, f"{str(error).rstrip('.')}.") from None
    return digest, cid_for_sha256(digest.hex())


def _check_format(format_: str | None, accept: str | None) -> None:
    if format_ is not None:
        if format_ != "raw":
            raise HTTPException(400, "This gateway serves raw blocks only: ask with ?format=raw.")
        return
    if accept is None:
        raise HTTPException(
            400, f"Ask for the raw block: add ?format=raw or send the header Accept: {RAW_BLOCK}."
        )
    asked = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    if not asked & ACCEPTED:
        raise HTTPException(406, f"This gateway serves raw blocks only ({RAW_BLOCK}).")


def _block_headers(cid: str) -> dict[str, str]:
    return {
        "Cache-Control": IMMUTABLE,
        "ETag": f'"{cid}"',
        "Content-Disposition": f'attachment; filename="{cid}.bin"',
        "X-Content-Type-Options": "nosniff",
        "X-Ipfs-Path": f"/ipfs/{cid}",
        "X-Ipfs-Roots": cid,
        "Access-Control-Allow-Origin": "*",
        "Vary": "Accept",
    }


FormatQuery = Annotated[
    str | None, Query(alias="format", max_length=20, description="`raw`: the block's exact bytes.")
]
AcceptHeader = Annotated[str | None, Header(max_length=1000)]
IfNoneMatchHeader = Annotated[str | None, Header(max_length=1000)]
READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {RAW_BLOCK: {}}, "description": "The bytes, checked against the CID."},
    400: _error("A malformed CID, or no raw block asked for (no Accept header, or another format)."),
    404: _error("The store holds no intact copy of this document."),
    406: _error("The Accept header asks for no type this gateway serves (only application/vnd.ipld.raw)."),
}


@router.get(
    "/ipfs/{cid}",
    summary="A document's exact bytes, as an IPFS trustless gateway serves a raw block",
    response_class=Response,
    responses=READ_RESPONSES,
)
def get_block(
    state: State,
    cid: str,
    format_: FormatQuery = None,
    accept: AcceptHeader = None,
    if_none_match: IfNoneMatchHeader = None,
) -> Response:
    return _block(state, cid, format_, accept, if_none_match, with_body=True)


@router.head(
    "/ipfs/{cid}",
    summary="Whether the store holds a document (GET without the bytes)",
    response_class=Response,
    responses=READ_RESPONSES,
)
def head_block(
    state: State,
    cid: str,
    format_: FormatQuery = None,
    accept: AcceptHeader = None,
    if_none_match: IfNoneMatchHeader = None,
) -> Response:
    return _block(state, cid, format_, accept, if_none_match, with_body=False)


def _block(
    state: ExplorerState,
    cid: str,
    format_: str | None,
    accept: str | None,
    if_none_match: str | None,
    *,
    with_body: bool,
) -> Response:
    _, canonical = _digest(state, cid)
    _check_format(format_, accept)
    headers = _block_headers(canonical)
    if if_none_match is not None and headers["ETag"] in {tag.strip() for tag in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    try:
        data = state.explorer.store.get(canonical)
    except DocumentNotFound:
        raise HTTPException(404, f"This store holds no document {canonical}.") from None
    except DocumentCorrupted as error:
        logger.error("The store's copy of %s is damaged (%s): not served", canonical, error)
        raise HTTPException(404, f"This store holds no intact copy of {canonical}.") from None
    if not with_body:
        return Response(media_type=RAW_BLOCK, headers={**headers, "Content-Length": str(len(data))})
    return Response(data, media_type=RAW_BLOCK, headers=headers)


@router.put(
    "/ipfs/{cid}",
    summary="Upload a document (admitted participants and registrars, signed with EIP-712)",
    status_code=201,
    responses=UPLOAD_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {RAW_BLOCK: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_block(
    request: Request,
    state: State,
    cid: str,
    x_filon_uploader: Annotated[str | None, Header(max_length=100)] = None,
    x_filon_timestamp: Annotated[str | None, Header(max_length=100)] = None,
    x_filon_signature: Annotated[str | None, Header(max_length=300)] = None,
) -> JSONResponse:
    try:
        digest, canonical = _digest(state, cid)
        size = _declared_size(request, state.max_upload_bytes)
        signature = UploadSignature.from_headers(
            {
                UPLOADER_HEADER: x_filon_uploader,
                TIMESTAMP_HEADER: x_filon_timestamp,
                SIGNATURE_HEADER: x_filon_signature,
            }
        )
        signature.check(
            DeclarationDomain.of(state.explorer.index.deployment),
            cid,
            size,
            now=time.time(),
            window=state.upload_window,
        )
        await _check_uploader(state, signature.uploader)
    except UploadNotAuthenticated as error:
        await _drain(request)
        raise HTTPException(401, str(error), headers=AUTHENTICATE) from None
    except HTTPException:
        await _drain(request)  # the client is still sending: let it finish, so it reads the answer
        raise
    data = await _body(request, size)
    created = await run_in_threadpool(_store, state, canonical, digest, data)
    return JSONResponse(
        UploadOut(cid=canonical, size=size, created=created).model_dump(), status_code=201 if created else 200
    )


def _declared_size(request: Request, limit: int) -> int:
    text = request.headers.get("content-length")
    if text is None:
        raise HTTPException(411, "Send the document's length (Content-Length): the signature covers it.")
    if not (text.isascii() and text.isdigit()):
        raise HTTPException(400, "Content-Length is not a number of bytes.")
    size = int(text)
    if size > limit:
        raise UploadTooLarge(limit)
    return size


async def _check_uploader(state: ExplorerState, uploader: str) -> None:
    if state.uploaders is None:
        raise HTTPException(
            503,
            "Uploads need the node: this explorer was started without --rpc, so it cannot check who may "
            "upload.",
        )
    try:
        allowed = await run_in_threadpool(state.uploaders.may_upload, uploader)
    except RpcError as error:
        logger.error("Cannot check whether %s may upload: %s", uploader, error)
        raise HTTPException(
            503, f"Cannot check who may upload now: the node at {state.uploaders.shown_url} does not answer."
        ) from None
    if not allowed:
        raise HTTPException(
            403,
            f"{uploader} is neither an admitted participant nor a registrar of this deployment, so it may "
            "not upload.",
        )


async def _drain(request: Request) -> None:
    async for _ in request.stream():
        pass


async def _body(request: Request, size: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > size:
            break
        chunks.append(chunk)
    if total != size:
        raise HTTPException(400, f"The body is not the {size:,} bytes its Content-Length declares.")
    return b"".join(chunks)


def _store(state: ExplorerState, cid: str, digest: bytes, data: bytes) -> bool:
    """Stores an upload whose bytes hash to `digest` (a 400 otherwise); False when an intact copy was already
    there (nothing is written then). Run in a thread: hashing megabytes would hold up the event loop."""
    actual = hashlib.sha256(data).digest()
    if actual != digest:
        raise HTTPException(
            400, f"The body's bytes hash to sha256 {actual.hex()}, not to {cid}: nothing was stored."
        )
    store = state.explorer.store
    try:
        store.get(cid)
    except (DocumentNotFound, DocumentCorrupted):
        store.put(data)
        return True
    return False
