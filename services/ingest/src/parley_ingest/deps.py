"""Dependency aliases of the ingest service's routes: the objects its lifespan provides, the
caller (knowledge uploads) and the administrator an erasure needs.

Callers are recognised exactly as search-api and auth recognise them
(``parley_authn.dependencies``: a session cookie or an API token); a cookie-authenticated
request that changes state must carry ``X-CSRF-Token``, as on auth.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends
from parley_authn import Principal, ScopedPrincipal, authenticate
from parley_authn.dependencies import Credentials, Resolve, caller_dependencies
from parley_authn.errors import AdminRequired
from parley_runtime.database import SessionDep
from parley_runtime.provided import provided
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from parley_ingest.erasure.service import ErasureService
from parley_ingest.kb.uploads.service import UploadService
from parley_ingest.outbox.relay import OutboxRelay
from parley_ingest.settings import IngestSettings
from parley_ingest.webhooks.service import WebhookService

SettingsDep = Annotated[IngestSettings, provided(IngestSettings)]
OutboxRelayDep = Annotated[OutboxRelay, provided(OutboxRelay)]
WebhookServiceDep = Annotated[WebhookService, provided(WebhookService)]
ErasureServiceDep = Annotated[ErasureService, provided(ErasureService)]
UploadServiceDep = Annotated[UploadService, provided(UploadService)]


async def _resolver(settings: SettingsDep) -> Resolve:
    async def resolve(session: AsyncSession, credentials: Credentials) -> ScopedPrincipal | None:
        return await authenticate(
            session,
            cookie=credentials.cookie,
            authorization_header=credentials.authorization,
            now=datetime.now(UTC),
            idle_timeout=settings.session_idle_ttl,
        )

    return resolve


_callers = caller_dependencies(
    _resolver,
    bearer_description="`Bearer prl_…`: an API token (of an administrator for erasures, of a "
    "project's owner for its documents)",
    cookie_description="a session cookie (`POST /v1/auth/login` on auth)",
)
CurrentCaller = Annotated[ScopedPrincipal, Depends(_callers.caller)]


async def current_admin(caller: CurrentCaller) -> Principal:
    if not caller.principal.is_admin:
        raise AdminRequired("only an administrator may do this")
    return caller.principal


CurrentAdmin = Annotated[Principal, Depends(current_admin)]


async def wake_relay_after_commit(session: SessionDep, relay: OutboxRelayDep) -> None:
    """Wake this process's outbox relay as soon as the request's transaction commits."""
    event.listen(session.sync_session, "after_commit", lambda _session: relay.wake())


WakeRelayAfterCommit = Depends(wake_relay_after_commit)
