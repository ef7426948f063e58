"""Annotated dependencies of search-api's routes: the objects main.py's lifespan provides."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyCookie, HTTPBearer
from parley_authn import SESSION_COOKIE
from parley_runtime.audit.caller import Caller, identify
from parley_runtime.database import SessionDep
from parley_runtime.provided import provided

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


# async, like every dependency here: FastAPI runs a plain ``def`` one in a worker thread,
# a thread hop on every request.
async def get_scope(
    request: Request,
    session: SessionDep,
    access: AccessServiceDep,
    _cookie: Annotated[str | None, Depends(_cookie_scheme)],
    _bearer: Annotated[object, Depends(_bearer_scheme)],
) -> ProjectScope:
    resolved = await access.principal_for(
        session,
        cookie=request.cookies.get(SESSION_COOKIE),
        authorization_header=request.headers.get("authorization"),
    )
    principal = resolved.principal
    identify(request, Caller(principal.user_id, principal.project_id, principal.token_id))
    return await access.scope_for(session, resolved)


ScopeDep = Annotated[ProjectScope, Depends(get_scope)]
