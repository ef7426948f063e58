"""Dependency aliases of the ingest service's routes (async: sync ones run in a thread)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from parley_runtime.database import SessionDep
from sqlalchemy import event

from parley_ingest.outbox.relay import OutboxRelay
from parley_ingest.settings import IngestSettings


async def get_ingest_settings(request: Request) -> IngestSettings:
    settings: IngestSettings = request.app.state.settings
    return settings


SettingsDep = Annotated[IngestSettings, Depends(get_ingest_settings)]


async def wake_relay_after_commit(request: Request, session: SessionDep) -> None:
    """Wake this process's outbox relay as soon as the request's transaction commits."""
    relay: OutboxRelay = request.app.state.outbox_relay
    event.listen(session.sync_session, "after_commit", lambda _session: relay.wake())


WakeRelayAfterCommit = Depends(wake_relay_after_commit)
