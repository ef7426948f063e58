"""Builds a Parley FastAPI service with the pieces every service shares."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from parley_schema.logging import configure
from parley_schema.settings import ParleyBaseSettings
from prometheus_fastapi_instrumentator import Instrumentator

from parley_runtime.correlation import CorrelationIdMiddleware
from parley_runtime.database import Database, database_ready
from parley_runtime.error_handlers import add_error_handlers
from parley_runtime.health import ReadinessCheck, health_router

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
) -> FastAPI:
    """A FastAPI app with logging, correlation ids, the error envelope, health and metrics.

    The database engine lives on ``app.state.database`` from start to stop; ``lifespan``
    runs inside that window for the service's own resources.
    """
    configure(settings, service=service)

    @asynccontextmanager
    async def lifespan_with_database(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.database = Database(settings, application_name=service)
        try:
            async with lifespan(app):
                yield
        finally:
            await app.state.database.dispose()

    app = FastAPI(title=title, lifespan=lifespan_with_database)
    app.add_middleware(CorrelationIdMiddleware)
    add_error_handlers(app)
    app.include_router(health_router({"database": database_ready, **(extra_checks or {})}))
    Instrumentator(excluded_handlers=["/metrics", "/healthz", "/readyz"]).instrument(app).expose(
        app, include_in_schema=False
    )
    return app
