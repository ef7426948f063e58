"""Resolves a session cookie or bearer token to a :class:`Principal` with one indexed query.

Used on every request by search-api and auth. ``last_seen_at`` / ``last_used_at`` are written
at most once per ``TOUCH_INTERVAL``, so a busy client does not turn reads into writes.
The same query returns the project's sources (``project_sources``, a lateral aggregate over
their unique index), whether the user is an administrator, and what the credential may do
beyond searching (``Principal.scopes``): one round trip, and nothing is cached across
requests, so revocation, logout and a changed role take effect on the next request.

Scopes: a session may read private notes (``private``) while its user owns the active
project; a token has the scopes it was created with, ``private`` only while its user still
owns the token's project (only owners may create such a token, and a demoted owner's tokens
lose the right with the role).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from parley_schema.models import (
    ApiToken,
    AppUser,
    ProjectMember,
    ProjectRole,
    ProjectSource,
    Session,
    TokenScope,
)
from sqlalchemy import Select, and_, bindparam, func, select, true, update
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import SQLCoreOperations

from parley_authn.principal import CredentialKind, Principal, ScopedPrincipal, SourceGrant
from parley_authn.secrets import API_TOKEN_PREFIX, BEARER_SESSION_PREFIX, hash_secret

TOUCH_INTERVAL = timedelta(seconds=60)


def _with_sources(
    statement: Select[*tuple[Any, ...]], project_id: SQLCoreOperations[uuid.UUID]
) -> Select[*tuple[Any, ...]]:
    """The project's sources as two parallel arrays from a lateral aggregate over the
    ``(project_id, account_id, inbox_id)`` unique index; NULL arrays when there is no project."""
    order = (ProjectSource.account_id, ProjectSource.inbox_id)
    sources = (
        select(
            func.array_agg(aggregate_order_by(ProjectSource.account_id, *order)).label("accounts"),
            func.array_agg(aggregate_order_by(ProjectSource.inbox_id, *order)).label("inboxes"),
        )
        .where(ProjectSource.project_id == project_id)
        .lateral("sources")
    )
    return statement.join(sources, true()).add_columns(sources.c.accounts, sources.c.inboxes)


# Built once: constructing a statement costs more Python time than the indexed lookup
# costs Postgres. Parameters: the credential's hash, ``now`` and (sessions) ``seen_after``.
_SESSION_ROW = (
    select(
        Session.user_id,
        Session.active_project_id,
        Session.last_seen_at,
        AppUser.username,
        AppUser.is_admin,
        ProjectMember.role,
    )
    .join(AppUser, AppUser.id == Session.user_id)
    .outerjoin(
        ProjectMember,
        and_(
            ProjectMember.project_id == Session.active_project_id,
            ProjectMember.user_id == Session.user_id,
        ),
    )
    .where(
        Session.session_id == bindparam("credential"),
        Session.expires_at > bindparam("now"),
        Session.last_seen_at > bindparam("seen_after"),
    )
)
_SESSION = _with_sources(_SESSION_ROW, ProjectMember.project_id)
_API_TOKEN_ROW = (
    select(
        ApiToken.id,
        ApiToken.user_id,
        ApiToken.project_id,
        ApiToken.last_used_at,
        ApiToken.scopes,
        AppUser.username,
        AppUser.is_admin,
        ProjectMember.role,
    )
    .join(AppUser, AppUser.id == ApiToken.user_id)
    .join(
        ProjectMember,
        and_(
            ProjectMember.project_id == ApiToken.project_id,
            ProjectMember.user_id == ApiToken.user_id,
        ),
    )
    .where(
        ApiToken.token_hash == bindparam("credential"),
        ApiToken.revoked_at.is_(None),
        (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > bindparam("now")),
    )
)
_API_TOKEN = _with_sources(_API_TOKEN_ROW, ApiToken.project_id)


_OWNER_SCOPES = frozenset({TokenScope.PRIVATE})
_NO_SCOPES: frozenset[str] = frozenset()


def session_scopes(role: str | None) -> frozenset[str]:
    """What a session may do beyond searching, where its user has ``role``."""
    return _OWNER_SCOPES if role == ProjectRole.OWNER else _NO_SCOPES


def _token_scopes(scopes: Sequence[str], role: str) -> frozenset[str]:
    granted = frozenset(scopes)
    return granted if role == ProjectRole.OWNER else granted - _OWNER_SCOPES


def _grants(
    accounts: Sequence[int] | None, inboxes: Sequence[int | None] | None
) -> tuple[SourceGrant, ...]:
    return tuple(SourceGrant(a, i) for a, i in zip(accounts or (), inboxes or (), strict=True))


async def _resolve_session(
    session: AsyncSession, cookie_value: str, *, now: datetime, idle_timeout: timedelta
) -> ScopedPrincipal | None:
    session_hash = hash_secret(cookie_value)
    params = {"credential": session_hash, "now": now, "seen_after": now - idle_timeout}
    row = (await session.execute(_SESSION, params)).one_or_none()
    if row is None:
        return None
    if row.last_seen_at < now - TOUCH_INTERVAL:
        await session.execute(
            update(Session).where(Session.session_id == session_hash).values(last_seen_at=now)
        )
    principal = Principal(
        user_id=row.user_id,
        username=row.username,
        kind=CredentialKind.SESSION,
        credential_id=session_hash,
        project_id=row.active_project_id if row.role is not None else None,
        role=row.role,
        is_admin=row.is_admin,
        scopes=session_scopes(row.role),
    )
    return ScopedPrincipal(principal, _grants(row.accounts, row.inboxes))


async def _resolve_api_token(
    session: AsyncSession, token: str, *, now: datetime
) -> ScopedPrincipal | None:
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    params = {"credential": hash_secret(token), "now": now}
    row = (await session.execute(_API_TOKEN, params)).one_or_none()
    if row is None:
        return None
    if row.last_used_at is None or row.last_used_at < now - TOUCH_INTERVAL:
        await session.execute(
            update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now)
        )
    principal = Principal(
        user_id=row.user_id,
        username=row.username,
        kind=CredentialKind.API_TOKEN,
        credential_id=str(row.id),
        project_id=row.project_id,
        role=row.role,
        is_admin=row.is_admin,
        scopes=_token_scopes(row.scopes, row.role),
    )
    return ScopedPrincipal(principal, _grants(row.accounts, row.inboxes))


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
) -> ScopedPrincipal | None:
    """The caller behind a request's credentials and their project's sources, or None.

    None when the credential is unknown, expired, idle too long (sessions), revoked, or its
    user has left the token's project. An ``Authorization`` header wins over the cookie and
    never falls back to it: a caller that presents a bad bearer token is refused even when a
    browser cookie rides along. A bearer token is an API token (``prl_…``) or a session held
    by a script (``prs_…``, from ``POST /v1/auth/login/token``), which resolves like the
    cookie's session. ``sources`` is empty when the principal has no project or
    the project has no sources.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware (compared with timestamptz columns)")
    if authorization_header is not None:
        token = bearer_token(authorization_header)
        if token is None:
            return None
        if token.startswith(BEARER_SESSION_PREFIX):
            return await _resolve_session(session, token, now=now, idle_timeout=idle_timeout)
        return await _resolve_api_token(session, token, now=now)
    if cookie:
        return await _resolve_session(session, cookie, now=now, idle_timeout=idle_timeout)
    return None
