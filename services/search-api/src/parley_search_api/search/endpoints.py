"""``POST /v1/search`` (JSON body) and ``GET /v1/search`` (query parameters)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from parley_search_api import responses
from parley_search_api.deps import ScopeDep, SearchServiceDep, SessionDep
from parley_search_api.search.schemas import SearchQueryParams, SearchRequest, SearchResponse

router = APIRouter(prefix="/v1", tags=["search"])


@router.post("/search", responses=responses.SEARCH_BY_BODY)
async def search(
    body: SearchRequest, scope: ScopeDep, session: SessionDep, search: SearchServiceDep
) -> SearchResponse:
    return await search.search(session, scope, body)


@router.get("/search", responses=responses.SEARCH_BY_QUERY)
async def search_by_query(
    params: Annotated[SearchQueryParams, Query()],
    scope: ScopeDep,
    session: SessionDep,
    search: SearchServiceDep,
) -> SearchResponse:
    return await search.search(session, scope, params.to_request())
