"""The ingest service: Chatwoot webhooks in, rows and outbox events out, relay in-process.

Run with ``uvicorn --factory parley_ingest.main:create_app`` (``parley up`` does).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from parley_runtime.app import create_service_app
from parley_runtime.provided import provide
from parley_schema.db import create_engine, create_sessionmaker
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_ingest.backfill.client import configured_client
from parley_ingest.backfill.errors import BackfillNotConfigured
from parley_ingest.contact_labels.service import ContactLabelSync
from parley_ingest.erasure.endpoints import router as erasure_router
from parley_ingest.erasure.service import ErasureService
from parley_ingest.housekeeping.service import HousekeepingService
from parley_ingest.kb.helpcenter.service import build_help_center_sync
from parley_ingest.kb.uploads.endpoints import router as kb_documents_router
from parley_ingest.kb.uploads.service import UploadService
from parley_ingest.normalization.service import build_ingestion
from parley_ingest.outbox.relay import OutboxRelay
from parley_ingest.reconcile.service import build_reconcile_service
from parley_ingest.retention.service import RetentionService
from parley_ingest.settings import IngestSettings, get_settings
from parley_ingest.webhooks.authentication import WebhookAuthenticator
from parley_ingest.webhooks.endpoints import router as webhooks_router
from parley_ingest.webhooks.service import WebhookService

log = structlog.get_logger(__name__)

RELAY_POOL_SIZE = 2
# A housekeeping run holds two connections, its advisory lock's and its work's: a pool of
# one, which create_engine doubles.
HOUSEKEEPING_POOL_SIZE = 1
CONTACT_LABELS_POOL_SIZE = 1  # likewise: its advisory lock's connection and its work's


@asynccontextmanager
async def contact_label_sync(settings: IngestSettings) -> AsyncIterator[None]:
    """The contact-label sync, running for the block when Chatwoot's REST API is configured
    (without it, contact labels stay queued until it is)."""
    if settings.chatwoot_base_url is None or settings.chatwoot_api_token is None:
        log.info("contact_labels_sync_off", reason="PARLEY_CHATWOOT_BASE_URL or token unset")
        yield
        return
    engine = create_engine(
        settings.model_copy(update={"db_pool_size": CONTACT_LABELS_POOL_SIZE}),
        application_name="ingest-contact-labels",
    )
    try:
        async with configured_client(
            settings, not_configured=BackfillNotConfigured, purpose="read contact labels"
        ) as client:
            sync = ContactLabelSync(
                settings=settings, client=client, sessionmaker=create_sessionmaker(engine)
            )
            async with sync.running():
                yield
    finally:
        await engine.dispose()


LIFECYCLE_POOL_SIZE = 3  # doubled by create_engine: retention, reconcile and the Help Center sync


@asynccontextmanager
async def _reconciling(
    settings: IngestSettings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[None]:
    """Reconcile every ``PARLEY_RECONCILE_INTERVAL_S`` while the block runs (0: never)."""
    if not settings.reconcile_interval_s:
        yield
        return
    async with (
        build_reconcile_service(settings, sessionmaker) as reconcile,
        reconcile.running(interval_s=settings.reconcile_interval_s),
    ):
        yield


@asynccontextmanager
async def _syncing_help_center(
    settings: IngestSettings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[None]:
    """Sync every account's Help Center every ``PARLEY_KB_SYNC_INTERVAL_S`` while the block
    runs (0, or Chatwoot's REST API not configured: never)."""
    if not settings.kb_sync_interval_s:
        yield
        return
    if settings.chatwoot_base_url is None or settings.chatwoot_api_token is None:
        log.info("kb_sync_off", reason="PARLEY_CHATWOOT_BASE_URL or token unset")
        yield
        return
    async with (
        build_help_center_sync(settings, sessionmaker) as sync,
        sync.running(interval_s=settings.kb_sync_interval_s),
    ):
        yield


def create_app(settings: IngestSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        """Build the webhook service, the outbox relay and housekeeping once; run the relay
        and the housekeeping job meanwhile."""
        # The relay and housekeeping have connections of their own, without the requests'
        # statement timeout: under a burst, requests holding the whole request pool must not
        # keep events from leaving, and a large purge must not be cancelled.
        # Losing a "published" mark in a crash only re-publishes (at-least-once), so the
        # relay's commits need not wait for the WAL flush that webhook commits wait for.
        relay_engine = create_engine(
            settings.model_copy(update={"db_pool_size": RELAY_POOL_SIZE}),
            application_name="ingest-relay",
            server_settings={"synchronous_commit": "off"},
        )
        housekeeping_engine = create_engine(
            settings.model_copy(update={"db_pool_size": HOUSEKEEPING_POOL_SIZE}),
            application_name="ingest-housekeeping",
        )
        relay = OutboxRelay(settings=settings, sessionmaker=create_sessionmaker(relay_engine))
        housekeeping = HousekeepingService(
            settings=settings, sessionmaker=create_sessionmaker(housekeeping_engine)
        )
        webhooks = WebhookService(
            settings=settings,
            authenticator=WebhookAuthenticator(settings=settings),
            ingestion=build_ingestion(settings),
        )
        # Retention, reconcile and the Help Center sync: a pool of their own (a run holds its lock's connection,
        # its work's and, for retention, each batch's), without the statement timeout.
        lifecycle_engine = create_engine(
            settings.model_copy(update={"db_pool_size": LIFECYCLE_POOL_SIZE}),
            application_name="ingest-lifecycle",
        )
        lifecycle_sessions = create_sessionmaker(lifecycle_engine)
        retention = RetentionService(settings=settings, sessionmaker=lifecycle_sessions)
        provide(
            app,
            relay,
            webhooks,
            housekeeping,
            retention,
            ErasureService(settings=settings),
            UploadService(max_bytes=settings.kb_upload_max_bytes),
        )
        try:
            async with (
                relay.running(),
                housekeeping.running(),
                retention.running(),
                _reconciling(settings, lifecycle_sessions),
                _syncing_help_center(settings, lifecycle_sessions),
                contact_label_sync(settings),
            ):
                yield
        finally:
            await lifecycle_engine.dispose()
            await housekeeping_engine.dispose()
            await relay_engine.dispose()

    app = create_service_app(
        service="ingest", settings=settings, title="Parley ingest", lifespan=lifespan
    )
    app.include_router(webhooks_router)
    app.include_router(erasure_router)
    app.include_router(kb_documents_router)
    return app
