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

from fastapi import Depends, Request
from parley_authn import CredentialKind, Principal, ScopedPrincipal, authenticate
from parley_authn.dependencies import Credentials, Resolve, caller_dependencies
from parley_runtime.provided import provided
from sqlalchemy.ext.asyncio import AsyncSession

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


async def _resolver(settings: SettingsDep, now: NowDep) -> Resolve:
    """Credentials resolve at the request's time (a dependency, so tests can move it)."""

    async def resolve(session: AsyncSession, credentials: Credentials) -> ScopedPrincipal | None:
        return await authenticate(
            session,
            cookie=credentials.cookie,
            authorization_header=credentials.authorization,
            now=now,
            idle_timeout=settings.session_idle_ttl,
        )

    return resolve


_callers = caller_dependencies(
    _resolver,
    bearer_description="`Bearer prl_…`: an API token of one project",
    cookie_description="the session cookie set by `POST /v1/auth/login`",
)


async def current_principal(
    resolved: Annotated[ScopedPrincipal, Depends(_callers.caller)],
) -> Principal:
    return resolved.principal


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
