"""Dependency aliases of the ingest service's routes: the objects its lifespan provides."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from parley_runtime.database import SessionDep
from parley_runtime.provided import provided
from sqlalchemy import event

from parley_ingest.outbox.relay import OutboxRelay
from parley_ingest.settings import IngestSettings
from parley_ingest.webhooks.service import WebhookService

SettingsDep = Annotated[IngestSettings, provided(IngestSettings)]
OutboxRelayDep = Annotated[OutboxRelay, provided(OutboxRelay)]
WebhookServiceDep = Annotated[WebhookService, provided(WebhookService)]


async def wake_relay_after_commit(session: SessionDep, relay: OutboxRelayDep) -> None:
    """Wake this process's outbox relay as soon as the request's transaction commits."""
    event.listen(session.sync_session, "after_commit", lambda _session: relay.wake())


WakeRelayAfterCommit = Depends(wake_relay_after_commit)
