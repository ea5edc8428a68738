"""`/documents/{cid}`: download a document a passport cites, by its CID.

The bytes are hashed again before they are served (a damaged copy is not served: 404, logged), and they are
served as an attachment of type application/octet-stream with `nosniff`, so a browser saves them and never
renders them: a PDF or an SVG someone published cannot run in the explorer's origin.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from filon.explorer._models import ErrorOut
from filon.explorer.routes._common import State
from filon.passport._store import DocumentCorrupted, DocumentNotFound, InvalidCid, cid_for_sha256

logger = logging.getLogger("filon.explorer")

MAX_CID = 200  # a CIDv1 of a sha2-256 digest is 59 characters in base32; any base fits in this

router = APIRouter(tags=["documents"])


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


@router.get(
    "/documents/{cid}",
    summary="Download a document by its CID (an attachment, checked against the CID)",
    response_class=Response,
    responses={
        200: {
            "content": {"application/octet-stream": {}},
            "description": "The bytes, checked against the CID.",
        },
        400: _error("A malformed CID."),
        404: _error("The store holds no intact copy of this document."),
    },
)
def download(state: State, cid: str) -> Response:
    store = state.explorer.store
    if len(cid) > MAX_CID:
        raise HTTPException(400, f"A CID is at most {MAX_CID} characters long.")
    try:
        canonical = cid_for_sha256(store.sha256_of(cid))
    except InvalidCid as error:
        raise HTTPException(400, f"{str(error).rstrip('.')}.") from None
    try:
        data = store.get(canonical)  # re-hashes the bytes against the CID
    except DocumentNotFound:
        raise HTTPException(404, f"This store holds no document {canonical}.") from None
    except DocumentCorrupted as error:
        logger.error("The store's copy of %s is damaged (%s): not served", canonical, error)
        raise HTTPException(404, f"This store holds no intact copy of {canonical}.") from None
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="{canonical}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "public, max-age=29030400, immutable",
        },
    )
