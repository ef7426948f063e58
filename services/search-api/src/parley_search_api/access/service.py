"""Turns a request's credentials into the project scope every query is limited to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog
from parley_authn import authenticate
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.errors import NoActiveProject, NotAuthenticated
from parley_search_api.access.repository import access_repository
from parley_search_api.access.scope import ProjectScope

log = structlog.get_logger(__name__)


class AccessService:
    async def scope_for(
        self,
        session: AsyncSession,
        *,
        cookie: str | None,
        authorization_header: str | None,
        idle_timeout: timedelta,
    ) -> ProjectScope:
        principal = await authenticate(
            session,
            cookie=cookie,
            authorization_header=authorization_header,
            now=datetime.now(UTC),
            idle_timeout=idle_timeout,
        )
        if principal is None:
            raise NotAuthenticated("a valid session cookie or API token is required")
        if principal.project_id is None:
            log.info("search_refused_no_project", user_id=str(principal.user_id))
            raise NoActiveProject("select a project you are a member of before searching")
        sources = await access_repository.sources(session, principal.project_id)
        return ProjectScope(
            user_id=principal.user_id, project_id=principal.project_id, sources=sources
        )


access_service = AccessService()
