"""The HTML pages: server-rendered, usable without JavaScript, each linking to its JSON."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from filon.explorer import _views as views
from filon.explorer._charts import contributions_svg
from filon.explorer._graph import provenance_svg
from filon.explorer._models import LotOut
from filon.explorer._names import named_mine
from filon.explorer._responses import html_page, render, size
from filon.explorer.routes import resolver
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

router = APIRouter(tags=["pages"], default_response_class=HTMLResponse)


@router.get("/", summary="Home: search, mines, counts")
def home_page(request: Request, state: State) -> Response:
    return render(
        request.scope, "home.html", home=views.home(state.explorer), json_url=_api(request, "/api/")
    )


@router.get("/search", summary="Search results (303 to the result when there is one)")
def search_page(request: Request, state: State, q: QueryParam = "") -> Response:
    found = views.search(state.explorer, q)
    # Straight to the one result only when the query named it by id: a reference or an address names a
    # lot only together with its issuer, which the results page shows.
    if len(found.lots) + len(found.mines) == 1 and all(lot.found_by == "id" for lot in found.lots):
        target = f"/lots/{found.lots[0].id}" if found.lots else f"/mines/{found.mines[0].id}"
        return RedirectResponse(_root(request) + target, status_code=303)
    return render(
        request.scope,
        "search.html",
        search=found,
        query=q,
        json_url=_api(request, "/api/search", q=q),
    )


@router.get(
    "/lots/{lot_id}",
    responses={**NOT_FOUND, 200: {"content": {resolver.LINKSET_MEDIA_TYPE: {}}}},
    summary="A lot: provenance, custody, passports, carbon, red flags (or its RFC 9264 link set)",
)
def lot_page(
    request: Request, state: State, lot_id: LotIdPath, link_type: resolver.LinkTypeQuery = None
) -> Response:
    if resolver.wants_linkset(request, link_type):
        return resolver.linkset_response(request, state, lot_id)
    root = _root(request)

    def rendered(page: LotOut) -> bytes:
        made_from: dict[int, list[int]] = {}
        for parent, child in page.provenance.edges:
            made_from.setdefault(child, []).append(parent)
        response = render(
            request.scope,
            "lot.html",
            lot=page,
            made_from=made_from,
            graph=provenance_svg(page, root),
            contributions_chart=contributions_svg(page, root),
            json_url=_api(request, f"/api/lots/{lot_id}"),
            max_upload=size(state.max_upload_bytes),
        )
        return bytes(response.body)

    links = state.links(request, lot_id)
    page = html_page(views.lot_body(state.explorer, lot_id, links, f"html {root}", rendered))
    page.headers.update({**resolver.VARY, "Link": resolver.linkset_link(links.url)})
    return page


@router.post(
    "/lots/{lot_id}/verify",
    responses={**NOT_FOUND, **TOO_LARGE},
    summary="The result of a document check",
)
async def verify_page(request: Request, state: State, lot_id: LotIdPath, document: DocumentFile) -> Response:
    data = await read_upload(document, state.max_upload_bytes)
    result = await run_in_threadpool(views.verify, state.explorer, lot_id, data, document.filename)
    return render(request.scope, "verify.html", result=result, max_upload=size(state.max_upload_bytes))


@router.get(
    "/mines/{mine_id}",
    responses=NOT_FOUND,
    summary="A mine: permit, capacity used, lots declared",
)
def mine_page(request: Request, state: State, mine_id: MineIdPath) -> Response:
    page = named_mine(state.explorer.index, views.mine(state.explorer, mine_id))
    return render(request.scope, "mine.html", mine=page, json_url=_api(request, f"/api/mines/{mine_id}"))


def _root(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def _api(request: Request, path: str, **params: str) -> str:
    return _root(request) + path + (f"?{urlencode(params)}" if params else "")
