"""Builds a Parley FastAPI service with the pieces every service shares."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI, Response
from parley_schema.errors import ParleyError
from parley_schema.logging import configure
from parley_schema.settings import ParleyBaseSettings
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_fastapi_instrumentator import Instrumentator
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from parley_runtime.audit.lifecycle import audit_trail
from parley_runtime.audit.middleware import AuditMiddleware
from parley_runtime.audit.settings import AuditSettings
from parley_runtime.correlation import CorrelationIdMiddleware
from parley_runtime.database import Database, database_ready
from parley_runtime.error_handlers import RequestTimedOut, add_error_handlers
from parley_runtime.health import ReadinessCheck, health_router
from parley_runtime.provided import provide

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def _no_extra_lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield


def create_service_app(
    *,
    service: str,
    settings: ParleyBaseSettings,
    title: str,
    extra_checks: Mapping[str, ReadinessCheck] | None = None,
    lifespan: Lifespan = _no_extra_lifespan,
    timeout_error: type[ParleyError] = RequestTimedOut,
    audit_bodies: bool = False,
) -> FastAPI:
    """A FastAPI app with logging, correlation ids, the error envelope, health and metrics.

    The database engine lives on ``app.state.database`` from start to stop; ``lifespan``
    runs inside that window and builds the service's own objects (``provide``). The app's
    settings are provided from the start: ``provided(type(settings))``.

    When the settings are :class:`AuditSettings`, every request is recorded in the audit
    trail (``parley_runtime.audit``); ``audit_bodies`` lets ``PARLEY_AUDIT_QUERIES`` keep
    JSON bodies too (only for services whose bodies carry no credentials).
    """
    configure(settings, service=service)

    @asynccontextmanager
    async def lifespan_with_database(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.provided = {}
        provide(app, settings)
        app.state.database = Database(settings, application_name=service)
        try:
            async with contextlib.AsyncExitStack() as stack:
                if isinstance(settings, AuditSettings):
                    await stack.enter_async_context(audit_trail(app, settings, service))
                await stack.enter_async_context(lifespan(app))
                yield
        finally:
            await app.state.database.dispose()

    docs = settings.public_docs
    app = FastAPI(
        title=title,
        lifespan=lifespan_with_database,
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    if isinstance(settings, AuditSettings):  # inside the correlation id: it records it
        app.add_middleware(
            AuditMiddleware,
            service=service,
            record_queries=settings.audit_queries,
            record_bodies=audit_bodies,
        )
    app.add_middleware(CorrelationIdMiddleware)
    # Outermost: the client address is settled before anything reads it. Run uvicorn with
    # --no-proxy-headers so that only these proxies are believed.
    app.add_middleware(
        ProxyHeadersMiddleware,
        trusted_hosts=[str(network) for network in settings.trusted_proxies],
    )
    add_error_handlers(app, timeout_error=timeout_error)
    app.include_router(health_router({"database": database_ready, **(extra_checks or {})}))
    _mount_metrics(app)
    return app


def _mount_metrics(app: FastAPI) -> None:
    """HTTP metrics in a registry of this app's own, served with the process-wide registry.

    The instrumentator silently skips an app when its metrics already exist in the registry
    it is given, so with the shared registry only the first app built in a process would be
    measured; the service's own metrics and the process collectors live in the global one.
    """
    http_registry = CollectorRegistry()
    Instrumentator(
        excluded_handlers=["/metrics", "/healthz", "/readyz"], registry=http_registry
    ).instrument(app)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        body = generate_latest(REGISTRY) + generate_latest(http_registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)
