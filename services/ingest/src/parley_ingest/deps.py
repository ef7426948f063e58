"""Dependency aliases of the ingest service's routes: the objects its lifespan provides, and
the administrator an erasure needs.

An administrator is recognised exactly as search-api and auth recognise callers
(``parley_authn.authenticate``: a session cookie or an API token of an admin user); a
cookie-authenticated request that changes state must carry ``X-CSRF-Token``, as on auth.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie, APIKeyHeader
from parley_authn import (
    CSRF_HEADER,
    SESSION_COOKIE,
    Principal,
    authenticate,
    ensure_csrf,
)
from parley_authn.errors import AdminRequired, NotAuthenticated
from parley_runtime.database import SessionDep
from parley_runtime.provided import provided
from sqlalchemy import event

from parley_ingest.erasure.service import ErasureService
from parley_ingest.outbox.relay import OutboxRelay
from parley_ingest.settings import IngestSettings
from parley_ingest.webhooks.service import WebhookService

SettingsDep = Annotated[IngestSettings, provided(IngestSettings)]
OutboxRelayDep = Annotated[OutboxRelay, provided(OutboxRelay)]
WebhookServiceDep = Annotated[WebhookService, provided(WebhookService)]
ErasureServiceDep = Annotated[ErasureService, provided(ErasureService)]

_API_TOKEN = APIKeyHeader(
    name="Authorization",
    scheme_name="api_token",
    description="`Bearer prl_…`: an API token of an administrator",
    auto_error=False,
)
_SESSION = APIKeyCookie(
    name=SESSION_COOKIE,
    scheme_name="session",
    description="an administrator's session cookie (`POST /v1/auth/login` on auth)",
    auto_error=False,
)
_CSRF = APIKeyHeader(
    name=CSRF_HEADER,
    scheme_name="csrf",
    description="with the session cookie: the `csrf_token` from login",
    auto_error=False,
)


async def current_admin(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    authorization: Annotated[str | None, Security(_API_TOKEN)],
    session_cookie: Annotated[str | None, Security(_SESSION)],
    csrf_token: Annotated[str | None, Security(_CSRF)],
) -> Principal:
    resolved = await authenticate(
        session,
        cookie=session_cookie,
        authorization_header=authorization,
        now=datetime.now(UTC),
        idle_timeout=settings.session_idle_ttl,
    )
    if resolved is None:
        raise NotAuthenticated("sign in or present a valid API token")
    principal = resolved.principal
    ensure_csrf(
        principal,
        method=request.method,
        authorization_header=authorization,
        session_cookie=session_cookie,
        csrf_token=csrf_token,
    )
    if not principal.is_admin:
        raise AdminRequired("only an administrator may do this")
    return principal


CurrentAdmin = Annotated[Principal, Depends(current_admin)]


async def wake_relay_after_commit(session: SessionDep, relay: OutboxRelayDep) -> None:
    """Wake this process's outbox relay as soon as the request's transaction commits."""
    event.listen(session.sync_session, "after_commit", lambda _session: relay.wake())


WakeRelayAfterCommit = Depends(wake_relay_after_commit)
