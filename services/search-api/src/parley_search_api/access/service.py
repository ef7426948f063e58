"""Turns a request's credentials into the project scope every query is limited to."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from parley_authn import ScopedPrincipal, authenticate
from parley_authn.dependencies import Credentials
from parley_authn.settings import SessionSettings
from parley_schema.models import TokenScope
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.errors import NoActiveProject
from parley_search_api.access.scope import ProjectScope

log = structlog.get_logger(__name__)


class AccessService:
    def __init__(self, *, settings: SessionSettings) -> None:
        self._settings = settings  # the session idle timeout, shared with auth

    async def resolve(
        self, session: AsyncSession, credentials: Credentials
    ) -> ScopedPrincipal | None:
        """One query: the credential, its active project and that project's sources (None:
        no valid credential; the caller dependency answers 401).

        Nothing is cached between requests, so a revoked token or a logged-out session is
        refused on the very next request. It is the request's first statement, and pooled
        connections are not pinged before use (``db_pool_pre_ping``): when it finds its
        connection dead (Postgres restarted), SQLAlchemy has already discarded the pool, and
        the query runs once more on a new connection.

        The lookup is a transaction of its own, committed before the scope is returned: the
        credential's ``last_used_at`` touch holds no row lock while the request works, and
        the connection goes back to the pool while the request does work that needs none
        (embedding the query); the request's next statement checks one out again. ``scope_for``
        commits it.
        """
        try:
            return await self._authenticate(session, credentials)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            log.warning("database_connection_lost_retrying")
            await session.rollback()
            return await self._authenticate(session, credentials)

    async def scope_for(self, session: AsyncSession, resolved: ScopedPrincipal) -> ProjectScope:
        """What ``resolved`` may search; commits the lookup's transaction (see above)."""
        principal = resolved.principal
        if principal.project_id is None:
            log.info("search_refused_no_project", user_id=str(principal.user_id))
            raise NoActiveProject("select a project you are a member of before searching")
        scope = ProjectScope(
            user_id=principal.user_id,
            project_id=principal.project_id,
            sources=resolved.sources,
            may_read_private=TokenScope.PRIVATE in principal.scopes,
        )
        await session.commit()
        return scope

    async def _authenticate(
        self, session: AsyncSession, credentials: Credentials
    ) -> ScopedPrincipal | None:
        return await authenticate(
            session,
            cookie=credentials.cookie,
            authorization_header=credentials.authorization,
            now=datetime.now(UTC),
            idle_timeout=self._settings.session_idle_ttl,
        )
