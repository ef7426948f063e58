"""Annotated dependencies of search-api's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPBearer
from parley_authn import SESSION_COOKIE
from parley_runtime.database import SessionDep

from parley_search_api.access.scope import ProjectScope
from parley_search_api.access.service import access_service
from parley_search_api.search.query_embedding import QueryEmbedder
from parley_search_api.settings import SearchSettings

__all__ = ["QueryEmbedderDep", "ScopeDep", "SessionDep", "SettingsDep"]

# Declared for the OpenAPI document; the values are read from the request below so that
# parley_authn decides precedence (a bad bearer token never falls back to the cookie).
_cookie_scheme = APIKeyCookie(name=SESSION_COOKIE, auto_error=False)
_bearer_scheme = HTTPBearer(auto_error=False, description="API token: `Bearer prl_…`")


# async, like every dependency here: FastAPI runs a plain ``def`` one in a worker thread,
# a thread hop on every request.
async def get_settings(request: Request) -> SearchSettings:
    settings: SearchSettings = request.app.state.settings
    return settings


async def get_query_embedder(request: Request) -> QueryEmbedder:
    embedder: QueryEmbedder = request.app.state.query_embedder
    return embedder


SettingsDep = Annotated[SearchSettings, Depends(get_settings)]
QueryEmbedderDep = Annotated[QueryEmbedder, Depends(get_query_embedder)]


async def get_scope(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _cookie: Annotated[str | None, Depends(_cookie_scheme)],
    _bearer: Annotated[object, Depends(_bearer_scheme)],
) -> ProjectScope:
    return await access_service.scope_for(
        session,
        cookie=request.cookies.get(SESSION_COOKIE),
        authorization_header=request.headers.get("authorization"),
        idle_timeout=settings.session_idle_ttl,
    )


ScopeDep = Annotated[ProjectScope, Depends(get_scope)]
