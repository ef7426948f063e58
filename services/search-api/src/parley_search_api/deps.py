"""Annotated dependencies of search-api's routes: the objects main.py's lifespan provides."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from parley_authn import ScopedPrincipal
from parley_authn.dependencies import Resolve, caller_dependencies
from parley_runtime.database import SessionDep
from parley_runtime.provided import provided

from parley_search_api.access.scope import ProjectScope
from parley_search_api.access.service import AccessService
from parley_search_api.answers.service import AnswerService
from parley_search_api.app.pages import AppPages
from parley_search_api.contacts.service import ContactService
from parley_search_api.conversations.service import ConversationService
from parley_search_api.search.service import SearchService
from parley_search_api.similar.service import SimilarService

__all__ = [
    "AccessServiceDep",
    "AnswerServiceDep",
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
AnswerServiceDep = Annotated[AnswerService, provided(AnswerService)]
AppPagesDep = Annotated[AppPages, provided(AppPages)]
ContactServiceDep = Annotated[ContactService, provided(ContactService)]
ConversationServiceDep = Annotated[ConversationService, provided(ConversationService)]
SearchServiceDep = Annotated[SearchService, provided(SearchService)]
SimilarServiceDep = Annotated[SimilarService, provided(SimilarService)]


async def _resolver(access: AccessServiceDep) -> Resolve:
    return access.resolve


_callers = caller_dependencies(
    _resolver,
    bearer_description="`Bearer prl_…`: an API token of one project (or the web UI's "
    "`Bearer prs_…` session)",
    cookie_description="the session cookie set by `POST /v1/auth/login` on auth",
)


async def get_scope(
    session: SessionDep,
    access: AccessServiceDep,
    resolved: Annotated[ScopedPrincipal, Depends(_callers.reader)],
) -> ProjectScope:
    """The caller's scope for reads (searches are reads, whatever their method)."""
    return await access.scope_for(session, resolved)


async def get_write_scope(
    session: SessionDep,
    access: AccessServiceDep,
    resolved: Annotated[ScopedPrincipal, Depends(_callers.caller)],
) -> ProjectScope:
    """The caller's scope for a write: a session cookie must come with its CSRF token."""
    return await access.scope_for(session, resolved)


ScopeDep = Annotated[ProjectScope, Depends(get_scope)]
WriteScopeDep = Annotated[ProjectScope, Depends(get_write_scope)]
