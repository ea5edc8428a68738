"""Each attester's W3C Bitstring Status List, at `/status/{attester}`: what a conformity credential's
`credentialStatus` points at, rebuilt from the chain's revocations as the index holds them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from web3 import Web3

from filon.explorer._credentials import status_list
from filon.explorer.routes._common import State, listening_url

router = APIRouter(tags=["status"])

AttesterPath = Annotated[
    str, Path(pattern=r"^0x[0-9a-fA-F]{40}$", description="The attester's address (0x and 40 hex digits).")
]

STATUS_LIST_MEDIA_TYPE = "application/vc+ld+json"
"""The media type of a status list credential: a JSON-LD verifiable credential, unsecured."""


@router.get(
    "/status/{attester}",
    summary="An attester's revocation status list (W3C Bitstring Status List credential, unsigned)",
    responses={404: {"description": "The attester anchored no credential."}},
)
def attester_status(request: Request, state: State, attester: AttesterPath) -> Any:
    base = state.public_url if state.public_url is not None else listening_url(request)
    found = status_list(state.explorer.index, Web3.to_checksum_address(attester), base)
    if found is None:
        raise HTTPException(404, f"{Web3.to_checksum_address(attester)} anchored no credential.")
    return JSONResponse(found, media_type=STATUS_LIST_MEDIA_TYPE)
