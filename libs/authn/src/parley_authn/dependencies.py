"""The one FastAPI dependency that turns a request's credentials into its caller.

Every service that accepts Parley's credentials (auth, search-api, ingest) builds its caller
dependency here, so the credential schemes, the precedence rule (``Authorization`` wins and
never falls back to the cookie: :func:`parley_authn.authenticate`), the 401, the audit's
caller and the CSRF rule (:func:`parley_authn.ensure_csrf`) exist once.

A service supplies how to resolve credentials (a dependency returning a :data:`Resolve`,
so it can bring its own clock, settings or retry) and gets two dependencies:
``caller`` applies the CSRF rule to any method that changes state; ``reader`` never does,
for routes that only read whatever their method (search-api's ``POST /v1/search``).
"""

# No ``from __future__ import annotations``: FastAPI evaluates the dependencies' annotations
# against the module's globals, and the schemes and resolver are local to the factory.
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, APIKeyHeader
from parley_runtime.audit.caller import Caller, identify
from parley_runtime.database import SessionDep
from sqlalchemy.ext.asyncio import AsyncSession

from parley_authn.csrf import ensure_csrf
from parley_authn.errors import NotAuthenticated
from parley_authn.principal import ScopedPrincipal
from parley_authn.secrets import CSRF_HEADER, SESSION_COOKIE


@dataclass(frozen=True)
class Credentials:
    """A request's credentials as they came (either may be None)."""

    authorization: str | None  # the raw ``Authorization`` header
    cookie: str | None  # the session cookie


Resolve = Callable[[AsyncSession, Credentials], Awaitable[ScopedPrincipal | None]]
CallerDependency = Callable[..., Awaitable[ScopedPrincipal]]


@dataclass(frozen=True)
class CallerDependencies:
    caller: CallerDependency  # CSRF rule on every method but GET/HEAD/OPTIONS
    reader: CallerDependency  # no CSRF rule: the route only reads


def caller_dependencies(
    resolver: Callable[..., Any],
    *,
    bearer_description: str,
    cookie_description: str,
) -> CallerDependencies:
    """The caller dependencies of a service whose ``resolver`` dependency returns its
    :data:`Resolve`. The schemes appear in the OpenAPI document as ``api_token`` (read raw:
    a header that is not ``Bearer prl_…``/``prs_…`` is refused, not ignored), ``session``
    and ``csrf``."""
    token_scheme = APIKeyHeader(
        name="Authorization",
        scheme_name="api_token",
        description=bearer_description,
        auto_error=False,
    )
    session_scheme = APIKeyCookie(
        name=SESSION_COOKIE,
        scheme_name="session",
        description=cookie_description,
        auto_error=False,
    )
    csrf_scheme = APIKeyHeader(
        name=CSRF_HEADER,
        scheme_name="csrf",
        description="with the session cookie, on every request that changes state: the "
        "`csrf_token` from login",
        auto_error=False,
    )

    async def resolved(
        request: Request, session: AsyncSession, resolve: Resolve, credentials: Credentials
    ) -> ScopedPrincipal:
        found = await resolve(session, credentials)
        if found is None:
            raise NotAuthenticated("sign in or present a valid API token")
        principal = found.principal
        identify(request, Caller(principal.user_id, principal.project_id, principal.token_id))
        return found

    # async, like every dependency of ours: FastAPI runs a plain ``def`` one in a worker
    # thread, a thread hop on every request.
    async def caller(
        request: Request,
        session: SessionDep,
        resolve: Annotated[Resolve, Depends(resolver)],
        authorization: Annotated[str | None, Security(token_scheme)],
        cookie: Annotated[str | None, Security(session_scheme)],
        csrf_token: Annotated[str | None, Security(csrf_scheme)],
    ) -> ScopedPrincipal:
        found = await resolved(request, session, resolve, Credentials(authorization, cookie))
        ensure_csrf(
            found.principal,
            method=request.method,
            authorization_header=authorization,
            session_cookie=cookie,
            csrf_token=csrf_token,
        )
        return found

    async def reader(
        request: Request,
        session: SessionDep,
        resolve: Annotated[Resolve, Depends(resolver)],
        authorization: Annotated[str | None, Security(token_scheme)],
        cookie: Annotated[str | None, Security(session_scheme)],
    ) -> ScopedPrincipal:
        return await resolved(request, session, resolve, Credentials(authorization, cookie))

    return CallerDependencies(caller=caller, reader=reader)
