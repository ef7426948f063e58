"""The ingest service: Chatwoot webhooks in, rows and outbox events out, relay in-process.

Run with ``uvicorn --factory parley_ingest.main:create_app`` (``parley up`` does).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from parley_runtime.app import create_service_app
from parley_runtime.provided import provide
from parley_schema.db import create_engine, create_sessionmaker

from parley_ingest.outbox.relay import OutboxRelay
from parley_ingest.settings import IngestSettings, get_settings
from parley_ingest.webhooks.authentication import WebhookAuthenticator
from parley_ingest.webhooks.endpoints import router as webhooks_router
from parley_ingest.webhooks.service import WebhookService

RELAY_POOL_SIZE = 2


def create_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Build the webhook service and the outbox relay once; run the relay meanwhile."""
        # The relay has connections of its own: under a burst, requests holding the whole
        # request pool must not keep events from leaving.
        relay_engine = create_engine(
            settings.model_copy(update={"db_pool_size": RELAY_POOL_SIZE}),
            application_name="ingest-relay",
        )
        relay = OutboxRelay(settings=settings, sessionmaker=create_sessionmaker(relay_engine))
        webhooks = WebhookService(
            settings=settings, authenticator=WebhookAuthenticator(settings=settings)
        )
        provide(app, relay, webhooks)
        try:
            async with relay.running():
                yield
        finally:
            await relay_engine.dispose()

    app = create_service_app(
        service="ingest", settings=settings, title="Parley ingest", lifespan=lifespan
    )
    app.include_router(webhooks_router)
    return app
