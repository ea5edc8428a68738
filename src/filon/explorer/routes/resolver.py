"""The lot page as a resolver: `/lots/{id}`, the address a bar's QR code encodes, answers a program with an
RFC 9264 link set of everything known about the lot, and a person with the page.

A client asks for the link set with `Accept: application/linkset+json` or, as GS1-conformant resolvers take
it, with `?linkType=linkset` (or `linkType=all`). Both answers vary with the Accept header, so a shared cache
keeps them apart. docs/explorer.md lists the links and why each relation type was chosen.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response

from filon._errors import UnknownLot
from filon.explorer import _views as views
from filon.explorer._models import LotOut
from filon.explorer.routes._common import ExplorerState, listening_url

LINKSET_MEDIA_TYPE = "application/linkset+json"
"""RFC 9264's media type of a link set in JSON."""

RAW_BLOCK = "application/vnd.ipld.raw"
"""What the store's gateway answers `/ipfs/{cid}?format=raw` with (the document's exact bytes)."""

# Relation types: IANA's registered names where one fits, else the GS1 Web Vocabulary's link types (full
# URIs, as RFC 8288 wants extension relation types), which GS1-conformant resolvers answer with.
DEFAULT_LINK = "https://gs1.org/voc/defaultLink"
PAGE = "https://gs1.org/voc/pip"
JSON_DATA = "alternate"
PASSPORT = "describedby"
CERTIFICATION = "https://gs1.org/voc/certificationInfo"
TRACEABILITY = "https://gs1.org/voc/traceability"

LINK_TYPES = ("linkset", "all")
"""The `linkType` values that ask for the whole link set (GS1-conformant resolver style)."""

LinkTypeQuery = Annotated[
    str | None,
    Query(
        alias="linkType",
        max_length=100,
        description='"linkset" (or "all") answers the lot\'s RFC 9264 link set instead of its page.',
    ),
]

VARY = {"Vary": "Accept"}


def wants_linkset(request: Request, link_type: str | None) -> bool:
    """Whether the request asks for the link set: by `linkType`, or by an Accept header that names the link
    set's media type with a non-zero quality (a browser's `*/*` does not)."""
    if link_type is not None and link_type in LINK_TYPES:
        return True
    for item in request.headers.get("accept", "").split(","):
        media_type, *parameters = (part.strip() for part in item.split(";"))
        if media_type.lower() == LINKSET_MEDIA_TYPE and _quality(parameters) > 0:
            return True
    return False


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def linkset(page: LotOut, base: str, json_url: str) -> dict[str, Any]:
    """The lot's link set in RFC 9264's JSON form.

    Args:
        page: The lot page's data.
        base: The explorer's address, without a trailing slash.
        json_url: The address of the page's JSON.

    Returns:
        One link context, the lot's page (what its QR code encodes), with its page, its JSON, its EPCIS
        events, its current passport package (when it was published to the store by CID) and its
        credentials.
    """
    links: dict[str, Any] = {
        "anchor": page.url,
        DEFAULT_LINK: [{"href": page.url, "type": "text/html"}],
        PAGE: [{"href": page.url, "type": "text/html"}],
        JSON_DATA: [{"href": json_url, "type": "application/json"}],
        TRACEABILITY: [{"href": f"{base}/api/lots/{page.id}/epcis", "type": "application/ld+json"}],
    }
    cid = _cid(page.passport_versions[-1].uri) if page.passport_versions else None
    if cid is not None:
        links[PASSPORT] = [{"href": f"{base}/ipfs/{cid}?format=raw", "type": RAW_BLOCK}]
    if page.credentials:
        links[CERTIFICATION] = [
            {"href": f"{base}/ipfs/{credential.cid}?format=raw", "type": RAW_BLOCK}
            for credential in page.credentials
        ]
    return {"linkset": [links]}


def _cid(uri: str) -> str | None:
    """The CID of an `ipfs://` URI (the form the library publishes passports under), or None."""
    prefix = "ipfs://"
    if not uri.startswith(prefix):
        return None
    cid = uri[len(prefix) :].split("/", 1)[0]
    return cid if cid.isalnum() else None


def linkset_response(request: Request, state: ExplorerState, lot_id: int) -> Response:
    """The lot's link set, or a 404 in JSON for a lot the index does not have."""
    links = state.links(request, lot_id)
    base = state.public_url if state.public_url is not None else listening_url(request)
    try:
        page = views.lot(state.explorer, lot_id, links)
    except UnknownLot as unknown:
        return JSONResponse({"detail": str(unknown)}, status_code=404, headers=VARY)
    body = linkset(page, base, f"{base}/api/lots/{lot_id}")
    return JSONResponse(body, media_type=LINKSET_MEDIA_TYPE, headers=VARY)


def linkset_link(lot_url: str) -> str:
    """The `Link` header value a lot page carries to point programs to its link set (RFC 9264, section 6)."""
    return f'<{lot_url}?linkType=linkset>; rel="linkset"; type="{LINKSET_MEDIA_TYPE}"'
