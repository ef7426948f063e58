"""``/app/`` (search page), ``/app/chatwoot`` (the Chatwoot panel) and ``/app/static/*``."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

from parley_search_api.deps import AppPagesDep

router = APIRouter(prefix="/app", include_in_schema=False)
_NO_STORE = {"Cache-Control": "no-cache"}  # the pages name the current assets' digests


@router.get("")
async def app_root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=308)


@router.get("/")
async def search_page(pages: AppPagesDep) -> HTMLResponse:
    return HTMLResponse(pages.search, headers=_NO_STORE)


@router.get("/chatwoot")
async def chatwoot_panel(pages: AppPagesDep) -> HTMLResponse:
    return HTMLResponse(pages.panel, headers=_NO_STORE)
