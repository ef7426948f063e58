"""Dependencies every route uses: settings, hashing, time, the caller and their credential.

Cookie-authenticated requests that change state (any method but GET/HEAD/OPTIONS) must carry
``X-CSRF-Token`` equal to the token derived from their session (returned at login and set in
the readable ``parley_csrf`` cookie). A cross-site page can neither read that cookie nor set a
custom header without a CORS preflight, which this service never grants. Bearer-token callers
are not CSRF-prone (browsers never attach the header by themselves) and skip the check.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Cookie, Depends, Header, Request
from parley_authn import (
    CSRF_HEADER,
    SESSION_COOKIE,
    CredentialKind,
    Principal,
    authenticate,
    csrf_token_matches,
)
from parley_authn.errors import NotAuthenticated
from parley_runtime.database import SessionDep, database_of
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_auth.clock import utc_now
from parley_auth.errors import CsrfRejected, SessionRequired
from parley_auth.passwords import Hasher
from parley_auth.settings import AuthSettings
from parley_auth.telegram.client import TelegramClient

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def settings_of(request: Request) -> AuthSettings:
    settings: AuthSettings = request.app.state.settings
    return settings


def hasher_of(request: Request) -> Hasher:
    hasher: Hasher = request.app.state.hasher
    return hasher


def telegram_of(request: Request) -> TelegramClient | None:
    telegram: TelegramClient | None = request.app.state.telegram
    return telegram


def session_factory_of(request: Request) -> async_sessionmaker[AsyncSession]:
    return database_of(request).sessionmaker


def client_address(request: Request) -> str:
    """The peer address (run uvicorn with --proxy-headers behind a trusted proxy)."""
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[AuthSettings, Depends(settings_of)]
HasherDep = Annotated[Hasher, Depends(hasher_of)]
TelegramDep = Annotated[TelegramClient | None, Depends(telegram_of)]
SessionFactoryDep = Annotated[async_sessionmaker[AsyncSession], Depends(session_factory_of)]
NowDep = Annotated[datetime, Depends(utc_now)]
ClientAddressDep = Annotated[str, Depends(client_address)]


async def current_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    authorization: Annotated[str | None, Header()] = None,
    session_cookie: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
    csrf_token: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
) -> Principal:
    resolved = await authenticate(
        session,
        cookie=session_cookie,
        authorization_header=authorization,
        now=now,
        idle_timeout=settings.session_idle_ttl,
    )
    if resolved is None:
        raise NotAuthenticated("sign in or present a valid API token")
    principal = resolved.principal
    if (
        principal.kind is CredentialKind.SESSION
        and request.method not in SAFE_METHODS
        and not csrf_token_matches(session_cookie or "", csrf_token)
    ):
        raise CsrfRejected(f"missing or wrong {CSRF_HEADER} header", field=CSRF_HEADER)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def current_user(principal: CurrentPrincipal) -> Principal:
    """A signed-in person: account and project management need a session, not an API token."""
    if principal.kind is not CredentialKind.SESSION:
        raise SessionRequired("this endpoint needs a signed-in session, not an API token")
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]
