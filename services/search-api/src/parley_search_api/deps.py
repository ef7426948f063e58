"""Annotated dependencies of search-api's routes: the objects main.py's lifespan provides."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPBearer
from parley_authn import CSRF_HEADER, SESSION_COOKIE, ensure_csrf
from parley_runtime.audit.caller import Caller, identify
from parley_runtime.database import SessionDep
from parley_runtime.provided import provided
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.scope import ProjectScope
from parley_search_api.access.service import AccessService
from parley_search_api.app.pages import AppPages
from parley_search_api.contacts.service import ContactService
from parley_search_api.conversations.service import ConversationService
from parley_search_api.search.service import SearchService
from parley_search_api.similar.service import SimilarService

__all__ = [
    "AccessServiceDep",
    "AppPagesDep",
    "ContactServiceDep",
    "ConversationServiceDep",
    "ScopeDep",
    "SearchServiceDep",
    "SessionDep",
    "SimilarServiceDep",
    "WriteScopeDep",
]

AccessServiceDep = Annotated[AccessService, provided(AccessService)]
AppPagesDep = Annotated[AppPages, provided(AppPages)]
ContactServiceDep = Annotated[ContactService, provided(ContactService)]
ConversationServiceDep = Annotated[ConversationService, provided(ConversationService)]
SearchServiceDep = Annotated[SearchService, provided(SearchService)]
SimilarServiceDep = Annotated[SimilarService, provided(SimilarService)]

# Declared for the OpenAPI document; the values are read from the request below so that
# parley_authn decides precedence (a bad bearer token never falls back to the cookie).
_cookie_scheme = APIKeyCookie(name=SESSION_COOKIE, auto_error=False)
_bearer_scheme = HTTPBearer(auto_error=False, description="API token: `Bearer prl_…`")
_csrf_scheme = APIKeyHeader(
    name=CSRF_HEADER,
    scheme_name="csrf",
    description="with the session cookie, on writes: the `csrf_token` from login",
    auto_error=False,
)


async def _scope(
    request: Request, session: AsyncSession, access: AccessService, *, writes: bool
) -> ProjectScope:
    authorization = request.headers.get("authorization")
    cookie = request.cookies.get(SESSION_COOKIE)
    resolved = await access.principal_for(
        session, cookie=cookie, authorization_header=authorization
    )
    principal = resolved.principal
    identify(request, Caller(principal.user_id, principal.project_id, principal.token_id))
    if writes:
        ensure_csrf(
            principal,
            method=request.method,
            authorization_header=authorization,
            session_cookie=cookie,
            csrf_token=request.headers.get(CSRF_HEADER),
        )
    return await access.scope_for(session, resolved)


# async, like every dependency here: FastAPI runs a plain ``def`` one in a worker thread,
# a thread hop on every request.
async def get_scope(
    request: Request,
    session: SessionDep,
    access: AccessServiceDep,
    _cookie: Annotated[str | None, Depends(_cookie_scheme)],
    _bearer: Annotated[object, Depends(_bearer_scheme)],
) -> ProjectScope:
    """The caller's scope for reads (searches are reads, whatever their method)."""
    return await _scope(request, session, access, writes=False)


async def get_write_scope(
    request: Request,
    session: SessionDep,
    access: AccessServiceDep,
    _cookie: Annotated[str | None, Depends(_cookie_scheme)],
    _bearer: Annotated[object, Depends(_bearer_scheme)],
    _csrf: Annotated[str | None, Depends(_csrf_scheme)],
) -> ProjectScope:
    """The caller's scope for a write: a session cookie must come with its CSRF token."""
    return await _scope(request, session, access, writes=True)


ScopeDep = Annotated[ProjectScope, Depends(get_scope)]
WriteScopeDep = Annotated[ProjectScope, Depends(get_write_scope)]
