"""The QR codes of lot pages, for tags on bars and jewellery."""

from __future__ import annotations

import io

import segno
from fastapi import APIRouter, Request
from fastapi.responses import Response

from filon._errors import UnknownLot
from filon.explorer.routes._common import NOT_FOUND, ExplorerState, LotIdPath, State

QR_ERROR = "m"  # 15% of the code can be lost (a scratched tag) and it still reads
QR_SVG_SCALE = 4
QR_PNG_SCALE = 8
QR_BORDER = 4

# With a public URL the image is the same for everyone: shared caches may keep it. Without one it encodes
# the address the request reached, which only the client that asked may keep.
_PUBLIC = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
_PRIVATE = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}

router = APIRouter(tags=["qr"], default_response_class=Response, responses=NOT_FOUND)


@router.get("/lots/{lot_id}/qr.svg", summary="The QR code of a lot's page, as SVG")
def qr_svg(request: Request, state: State, lot_id: LotIdPath) -> Response:
    out = io.BytesIO()
    _qr_of(request, state, lot_id).save(out, kind="svg", scale=QR_SVG_SCALE, border=QR_BORDER)
    return Response(out.getvalue(), media_type="image/svg+xml", headers=_headers(state))


@router.get("/lots/{lot_id}/qr.png", summary="The QR code of a lot's page, as PNG")
def qr_png(request: Request, state: State, lot_id: LotIdPath) -> Response:
    out = io.BytesIO()
    _qr_of(request, state, lot_id).save(out, kind="png", scale=QR_PNG_SCALE, border=QR_BORDER)
    return Response(out.getvalue(), media_type="image/png", headers=_headers(state))


def _headers(state: ExplorerState) -> dict[str, str]:
    return _PUBLIC if state.public_url is not None else _PRIVATE


def _qr_of(request: Request, state: ExplorerState, lot_id: int) -> segno.QRCode:
    if not state.explorer.index.has_lot(lot_id):
        raise UnknownLot(lot_id=lot_id)
    return segno.make(state.links(request, lot_id).url, error=QR_ERROR, micro=False)
