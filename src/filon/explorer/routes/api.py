"""The JSON API under /api/: each page's data, built by the same function as the page."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from filon._types import LotId
from filon.explorer import _views as views
from filon.explorer._models import ErrorOut, HomeOut, LotOut, MineOut, SearchOut, StatusOut, VerifyOut
from filon.explorer._names import named_mine
from filon.explorer._responses import json_body
from filon.explorer.routes._common import (
    NOT_FOUND,
    TOO_LARGE,
    DocumentFile,
    LotIdPath,
    MineIdPath,
    QueryParam,
    State,
    read_upload,
)

router = APIRouter(tags=["api"])

EPCIS_MEDIA_TYPE = "application/ld+json"
"""An EPCIS 2.0 document is JSON-LD."""


@router.get("/api/", summary="The home page's data: status and mines")
def api_home(state: State) -> HomeOut:
    return views.home(state.explorer)


@router.get("/api/status", summary="What the index holds and how far it has read")
def api_status(state: State) -> StatusOut:
    return views.status(state.explorer)


@router.get("/api/lots/{lot_id}", summary="A lot page's data", response_model=LotOut, responses=NOT_FOUND)
def api_lot(request: Request, state: State, lot_id: LotIdPath) -> Response:
    body = views.lot_body(state.explorer, lot_id, state.links(request, lot_id), "json", json_body)
    return Response(body, media_type="application/json")


@router.get(
    "/api/lots/{lot_id}/epcis",
    summary="The history of a lot and its ancestors as a GS1 EPCIS 2.0 JSON-LD document",
    response_class=Response,
    responses={
        200: {"content": {EPCIS_MEDIA_TYPE: {}}, "description": "The document, as `filon passport epcis`."},
        **NOT_FOUND,
        400: {"model": ErrorOut, "description": "An ancestry too large to export here."},
    },
)
def api_epcis(state: State, lot_id: LotIdPath) -> Response:
    document = state.explorer.index.epcis(LotId(lot_id), max_lots=views.MAX_PROVENANCE_LOTS)
    return Response(json.dumps(document, ensure_ascii=False).encode(), media_type=EPCIS_MEDIA_TYPE)


@router.post(
    "/api/lots/{lot_id}/verify",
    summary="Whether a lot's passports (or its ancestors') cite a document",
    responses={**NOT_FOUND, **TOO_LARGE},
)
async def api_verify(state: State, lot_id: LotIdPath, document: DocumentFile) -> VerifyOut:
    data = await read_upload(document, state.max_upload_bytes)
    return await run_in_threadpool(views.verify, state.explorer, lot_id, data, document.filename)


@router.get("/api/mines/{mine_id}", summary="A mine page's data", responses=NOT_FOUND)
def api_mine(state: State, mine_id: MineIdPath) -> MineOut:
    return named_mine(state.explorer.index, views.mine(state.explorer, mine_id))


@router.get("/api/search", summary="Lots and mines matching a query")
def api_search(state: State, q: QueryParam = "") -> SearchOut:
    return views.search(state.explorer, q)
