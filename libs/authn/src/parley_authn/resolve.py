"""Resolves a session cookie or bearer token to a :class:`Principal` with one indexed query.

Used on every request by search-api and auth. ``last_seen_at`` / ``last_used_at`` are written
at most once per ``TOUCH_INTERVAL``, so a busy client does not turn reads into writes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from parley_schema.models import ApiToken, AppUser, ProjectMember, Session
from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from parley_authn.principal import CredentialKind, Principal
from parley_authn.secrets import API_TOKEN_PREFIX, hash_secret

TOUCH_INTERVAL = timedelta(seconds=60)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (compared with timestamptz columns)")


async def resolve_session(
    session: AsyncSession, cookie_value: str, *, now: datetime, idle_timeout: timedelta
) -> Principal | None:
    """The session's user and active project; None when unknown, expired or idle too long."""
    _require_aware(now)
    session_hash = hash_secret(cookie_value)
    row = (
        await session.execute(
            select(Session, AppUser.username, ProjectMember.role)
            .join(AppUser, AppUser.id == Session.user_id)
            .outerjoin(
                ProjectMember,
                and_(
                    ProjectMember.project_id == Session.active_project_id,
                    ProjectMember.user_id == Session.user_id,
                ),
            )
            .where(
                Session.session_id == session_hash,
                Session.expires_at > now,
                Session.last_seen_at > now - idle_timeout,
            )
        )
    ).one_or_none()
    if row is None:
        return None
    stored, username, role = row
    if stored.last_seen_at < now - TOUCH_INTERVAL:
        await session.execute(
            update(Session).where(Session.session_id == session_hash).values(last_seen_at=now)
        )
    return Principal(
        user_id=stored.user_id,
        username=username,
        kind=CredentialKind.SESSION,
        credential_id=session_hash,
        project_id=stored.active_project_id if role is not None else None,
        role=role,
    )


async def resolve_api_token(
    session: AsyncSession, token: str, *, now: datetime
) -> Principal | None:
    """The token's user and project; None when unknown, revoked, expired, or the user has
    left the project since the token was made."""
    _require_aware(now)
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    row = (
        await session.execute(
            select(ApiToken, AppUser.username, ProjectMember.role)
            .join(AppUser, AppUser.id == ApiToken.user_id)
            .join(
                ProjectMember,
                and_(
                    ProjectMember.project_id == ApiToken.project_id,
                    ProjectMember.user_id == ApiToken.user_id,
                ),
            )
            .where(
                ApiToken.token_hash == hash_secret(token),
                ApiToken.revoked_at.is_(None),
                (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
            )
        )
    ).one_or_none()
    if row is None:
        return None
    stored, username, role = row
    if stored.last_used_at is None or stored.last_used_at < now - TOUCH_INTERVAL:
        await session.execute(
            update(ApiToken).where(ApiToken.id == stored.id).values(last_used_at=now)
        )
    return Principal(
        user_id=stored.user_id,
        username=username,
        kind=CredentialKind.API_TOKEN,
        credential_id=str(stored.id),
        project_id=stored.project_id,
        role=role,
    )


def bearer_token(authorization_header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive)."""
    if not authorization_header:
        return None
    scheme, _, token = authorization_header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


async def authenticate(
    session: AsyncSession,
    *,
    cookie: str | None,
    authorization_header: str | None,
    now: datetime,
    idle_timeout: timedelta,
) -> Principal | None:
    """The caller behind a request's credentials, or None.

    An ``Authorization`` header wins over the cookie and never falls back to it: a caller
    that presents a bad bearer token is refused even when a browser cookie rides along.
    """
    if authorization_header is not None:
        token = bearer_token(authorization_header)
        return None if token is None else await resolve_api_token(session, token, now=now)
    if cookie:
        return await resolve_session(session, cookie, now=now, idle_timeout=idle_timeout)
    return None
