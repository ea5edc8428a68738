"""The participant page and its JSON: `/participants/{address}` and `/api/participants/{address}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response
from web3 import Web3

from filon.explorer._models import ParticipantOut
from filon.explorer._responses import render
from filon.explorer._views_parties import participant
from filon.explorer.routes._common import NOT_FOUND, State

router = APIRouter()

AddressPath = Annotated[str, Path(description="An Ethereum address (0x and 40 hex digits).")]


def _page(state: State, address: str) -> ParticipantOut:
    if not Web3.is_address(address):
        raise HTTPException(404, f"{address} is not an Ethereum address")
    return participant(state.explorer, address)


@router.get(
    "/participants/{address}",
    tags=["pages"],
    response_class=HTMLResponse,
    responses=NOT_FOUND,
    summary="A participant: its record, role and the lots it holds",
)
def participant_page(request: Request, state: State, address: AddressPath) -> Response:
    page = _page(state, address)
    root: str = request.scope.get("root_path", "").rstrip("/")
    return render(
        request.scope, "participant.html", party=page, json_url=f"{root}/api/participants/{page.address}"
    )


@router.get(
    "/api/participants/{address}",
    tags=["api"],
    responses=NOT_FOUND,
    summary="A participant page's data",
)
def api_participant(state: State, address: AddressPath) -> ParticipantOut:
    return _page(state, address)
