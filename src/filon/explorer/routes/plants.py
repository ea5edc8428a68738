"""A plant's dashboard and its JSON: `/plants/{address}` and `/api/plants/{address}`.

An address that is not one, one that was never an admitted participant, or one that received no ore lot
(not a plant) is a 404 with the reason in words; any other bad input is the explorer's 400.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from web3 import Web3

from filon.explorer._models_plants import PlantOut
from filon.explorer._responses import render
from filon.explorer._views_plants import capacity_svg, intake_svg, plant, recovery_svg
from filon.explorer.routes._common import NOT_FOUND, State
from filon.explorer.routes.parties import AddressPath
from filon.index._plants import NotAPlant

router = APIRouter()


def _page(state: State, address: str) -> PlantOut:
    # Only "no such plant" is a 404: any other bad input is the explorer's error handling's (a 400).
    if not Web3.is_address(address):
        raise HTTPException(404, f"{address!r} is not an Ethereum address")
    try:
        return plant(state.explorer, address)
    except NotAPlant as exc:  # never admitted, or no ore received
        raise HTTPException(404, str(exc)) from None


@router.get(
    "/plants/{address}",
    tags=["pages"],
    response_class=HTMLResponse,
    responses=NOT_FOUND,
    summary="A plant's dashboard: intake per mine and month, capacity use, recoveries, open flags",
)
def plant_page(request: Request, state: State, address: AddressPath) -> Response:
    page = _page(state, address)
    root: str = request.scope.get("root_path", "").rstrip("/")
    return render(
        request.scope,
        "plant.html",
        plant=page,
        intake_chart=intake_svg(page, root),
        capacity_chart=capacity_svg(page, root),
        recovery_chart=recovery_svg(page, root),
        json_url=f"{root}/api/plants/{page.address}",
    )


@router.get(
    "/api/plants/{address}",
    tags=["api"],
    responses=NOT_FOUND,
    summary="A plant's dashboard's data",
)
def api_plant(state: State, address: AddressPath) -> PlantOut:
    return _page(state, address)
