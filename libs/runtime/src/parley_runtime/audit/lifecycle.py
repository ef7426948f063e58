"""The audit trail of one app from start to stop: its writer, its purge job, its connections."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.jobs import run_periodically

from parley_runtime.audit.recorder import AuditRecorder
from parley_runtime.audit.retention import JOB_NAME, purge_audit_trail
from parley_runtime.audit.settings import AuditSettings
from parley_runtime.provided import provide

# The writer's connection and the purge's two (its advisory lock's and its work's): a pool
# of two, which create_engine doubles.
AUDIT_POOL_SIZE = 2


@contextlib.asynccontextmanager
async def audit_trail(app: FastAPI, settings: AuditSettings, service: str) -> AsyncIterator[None]:
    """Provide the app's :class:`AuditRecorder`; write its rows and purge old ones meanwhile.

    The trail has connections of its own, without the requests' statement timeout: a burst
    of requests holding the whole request pool must not hold back the writer, nor the writer
    take connections from requests.
    """
    engine = create_engine(
        settings.model_copy(update={"db_pool_size": AUDIT_POOL_SIZE}),
        application_name=f"{service}-audit",
    )
    sessionmaker = create_sessionmaker(engine)
    recorder = AuditRecorder(service=service, sessionmaker=sessionmaker)
    provide(app, recorder)
    retention = timedelta(days=settings.audit_retention_days)
    purge = asyncio.create_task(
        run_periodically(
            sessionmaker,
            JOB_NAME,
            lambda session: purge_audit_trail(session, now=datetime.now(UTC), retention=retention),
            interval_s=settings.housekeeping_interval_s,
        ),
        name=JOB_NAME,
    )
    try:
        async with recorder.running():
            yield
    finally:
        purge.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await purge
        await engine.dispose()
