"""Login, logout and the session's active project."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import structlog
from parley_authn import (
    Principal,
    csrf_token_for,
    hash_secret,
    new_bearer_session_secret,
    new_session_secret,
    session_scopes,
)
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.passwords import Hasher
from parley_auth.projects.errors import ProjectNotFound
from parley_auth.projects.repository import project_repository
from parley_auth.ratelimits.service import Limit, RateLimitService
from parley_auth.sessions.errors import InvalidCredentials
from parley_auth.sessions.repository import session_repository
from parley_auth.sessions.schemas import (
    ActiveProjectUpdate,
    LoginRequest,
    MeRead,
    SessionCreated,
    TokenSessionCreated,
)
from parley_auth.settings import AuthSettings
from parley_auth.users.repository import user_repository
from parley_auth.users.schemas import UserRead

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Login:
    secret: str  # the cookie value; goes to the client once and is never stored
    created: SessionCreated


class SessionService:
    def __init__(
        self, *, settings: AuthSettings, hasher: Hasher, rate_limits: RateLimitService
    ) -> None:
        self._settings = settings
        self._hasher = hasher
        self._rate_limits = rate_limits
        # Failures count per address and per (username, address): a guesser slows down
        # only themselves, never the user signing in from elsewhere.
        self._login_limit = Limit(
            action="login",
            per_address=settings.login_limit_per_address,
            key_kind="user_address",
            per_key=settings.login_limit_per_user_address,
        )

    async def login(
        self, session: AsyncSession, body: LoginRequest, *, address: str, now: datetime
    ) -> Login:
        """A cookie session: the secret goes into the HttpOnly cookie, the CSRF token out."""
        user = await self._check_password(session, body, address=address, now=now)
        secret = new_session_secret()
        expires_at = now + self._settings.session_absolute_ttl
        await self._start(session, user, secret, now=now, expires_at=expires_at)
        return Login(
            secret=secret,
            created=SessionCreated(
                user=user, csrf_token=csrf_token_for(secret), expires_at=expires_at
            ),
        )

    async def login_token(
        self, session: AsyncSession, body: LoginRequest, *, address: str, now: datetime
    ) -> TokenSessionCreated:
        """A session for a script to send as a bearer token (the web UI inside Chatwoot's
        iframe, where no cookie reaches it); it lives ``app_session_ttl_s`` at most."""
        user = await self._check_password(session, body, address=address, now=now)
        secret = new_bearer_session_secret()
        expires_at = now + min(self._settings.app_session_ttl, self._settings.session_absolute_ttl)
        await self._start(session, user, secret, now=now, expires_at=expires_at)
        return TokenSessionCreated(user=user, token=secret, expires_at=expires_at)

    async def _check_password(
        self, session: AsyncSession, body: LoginRequest, *, address: str, now: datetime
    ) -> UserRead:
        username = body.username
        await self._rate_limits.hit(
            self._login_limit, key=f"{username}@{address}", address=address, now=now
        )
        user = await user_repository.get_by_username(session, username)
        # A dummy hash is verified for unknown users, so both failures take as long.
        matches = await self._hasher.verify_password(
            user.password_hash if user else None, body.password
        )
        if user is None or not matches:
            log.info("login_failed")
            raise InvalidCredentials("invalid username or password")
        return UserRead(id=user.id, username=user.username, is_admin=user.is_admin)

    async def _start(
        self,
        session: AsyncSession,
        user: UserRead,
        secret: str,
        *,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        await session_repository.create(
            session,
            session_hash=hash_secret(secret),
            user_id=user.id,
            now=now,
            expires_at=expires_at,
        )
        log.info("login_succeeded", user_id=str(user.id))

    async def logout(self, session: AsyncSession, me: Principal) -> None:
        await session_repository.delete(session, me.credential_id)
        log.info("logout", user_id=str(me.user_id))

    async def logout_all(self, session: AsyncSession, me: Principal) -> None:
        count = await session_repository.delete_all_of(session, me.user_id)
        log.info("logout_all", user_id=str(me.user_id), sessions=count)

    def me(self, me: Principal) -> MeRead:
        return MeRead(
            user=UserRead(id=me.user_id, username=me.username, is_admin=me.is_admin),
            credential=me.kind,
            project_id=me.project_id,
            role=me.role,
            scopes=sorted(me.scopes),
        )

    async def set_active_project(
        self, session: AsyncSession, me: Principal, body: ActiveProjectUpdate
    ) -> MeRead:
        role = None
        if body.project_id is not None:
            role = await project_repository.role_of(session, body.project_id, me.user_id)
            if role is None:
                raise ProjectNotFound("no such project", field="project_id")
        await session_repository.set_active_project(session, me.credential_id, body.project_id)
        return self.me(
            replace(me, project_id=body.project_id, role=role, scopes=session_scopes(role))
        )
