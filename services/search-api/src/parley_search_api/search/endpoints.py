"""``POST /v1/search`` (JSON body) and ``GET /v1/search`` (query parameters)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from parley_search_api.deps import QueryEmbedderDep, ScopeDep, SessionDep, SettingsDep
from parley_search_api.search.schemas import SearchQueryParams, SearchRequest, SearchResponse
from parley_search_api.search.service import search_service

router = APIRouter(prefix="/v1", tags=["search"])


@router.post("/search")
async def search(
    body: SearchRequest,
    scope: ScopeDep,
    session: SessionDep,
    settings: SettingsDep,
    embedder: QueryEmbedderDep,
) -> SearchResponse:
    return await search_service.search(session, scope, body, settings=settings, embedder=embedder)


@router.get("/search")
async def search_by_query(
    params: Annotated[SearchQueryParams, Query()],
    scope: ScopeDep,
    session: SessionDep,
    settings: SettingsDep,
    embedder: QueryEmbedderDep,
) -> SearchResponse:
    return await search_service.search(
        session, scope, params.to_request(), settings=settings, embedder=embedder
    )
