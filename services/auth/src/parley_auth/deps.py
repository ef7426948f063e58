"""Dependencies routes use: the objects built at start-up, time, the caller and their credential.

Cookie-authenticated requests that change state (any method but GET/HEAD/OPTIONS) must carry
``X-CSRF-Token`` equal to the token derived from their session (returned at login and set in
the readable ``parley_csrf`` cookie). A cross-site page can neither read that cookie nor set a
custom header without a CORS preflight, which this service never grants. Bearer-token callers
are not CSRF-prone (browsers never attach the header by themselves) and skip the check; so
does a session sent as a bearer token (``prs_…``, the web UI's), for the same reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, APIKeyHeader
from parley_authn import (
    CSRF_HEADER,
    SESSION_COOKIE,
    CredentialKind,
    Principal,
    authenticate,
    ensure_csrf,
)
from parley_authn.errors import NotAuthenticated
from parley_runtime.audit.caller import Caller, identify
from parley_runtime.database import SessionDep
from parley_runtime.provided import provided

from parley_auth.clock import utc_now
from parley_auth.cookies import SessionCookies
from parley_auth.errors import AdminRequired, SessionRequired
from parley_auth.ratelimits.addresses import address_key
from parley_auth.sessions.service import SessionService
from parley_auth.settings import AuthSettings
from parley_auth.signup.service import SignupService


def client_address(request: Request) -> str:
    """The client's address as rate limits count it (an IPv6 address by its /64).

    ``request.client`` is the peer, or what a proxy in ``PARLEY_TRUSTED_PROXIES`` forwarded.
    """
    return address_key(request.client.host if request.client else None)


# Built once in main.py's lifespan (``provide``); see parley_runtime.provided.
SettingsDep = Annotated[AuthSettings, provided(AuthSettings)]
SignupServiceDep = Annotated[SignupService, provided(SignupService)]
SessionServiceDep = Annotated[SessionService, provided(SessionService)]
SessionCookiesDep = Annotated[SessionCookies, provided(SessionCookies)]
# Request data: the time (a dependency so tests can move it) and the caller's address.
NowDep = Annotated[datetime, Depends(utc_now)]
ClientAddressDep = Annotated[str, Depends(client_address)]


# The credentials, read as they come and documented as the OpenAPI security schemes.
# ``Authorization`` is read raw: a header that is not ``Bearer prl_…`` is refused, never
# ignored in favour of a cookie riding along.
_API_TOKEN = APIKeyHeader(
    name="Authorization",
    scheme_name="api_token",
    description="`Bearer prl_…`: an API token of one project",
    auto_error=False,
)
_SESSION = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="session",
    description="the session cookie set by `POST /v1/auth/login`",
    auto_error=False,
)
_CSRF = APIKeyHeader(
    name=CSRF_HEADER,
    scheme_name="csrf",
    description="with the session cookie, on every request but GET/HEAD/OPTIONS: the "
    "`csrf_token` from login",
    auto_error=False,
)


async def current_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    now: NowDep,
    authorization: Annotated[str | None, Security(_API_TOKEN)],
    session_cookie: Annotated[str | None, Security(_SESSION)],
    csrf_token: Annotated[str | None, Security(_CSRF)],
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
    identify(request, Caller(principal.user_id, principal.project_id, principal.token_id))
    ensure_csrf(
        principal,
        method=request.method,
        authorization_header=authorization,
        session_cookie=session_cookie,
        csrf_token=csrf_token,
    )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def current_user(principal: CurrentPrincipal) -> Principal:
    """A signed-in person: account and project management need a session, not an API token."""
    if principal.kind is not CredentialKind.SESSION:
        raise SessionRequired("this endpoint needs a signed-in session, not an API token")
    return principal


CurrentUser = Annotated[Principal, Depends(current_user)]


async def current_admin(user: CurrentUser) -> Principal:
    """A signed-in instance administrator."""
    if not user.is_admin:
        raise AdminRequired("only an administrator may do this")
    return user


CurrentAdmin = Annotated[Principal, Depends(current_admin)]
