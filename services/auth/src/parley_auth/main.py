"""The auth service's app: wiring only (``uvicorn --factory parley_auth.main:create_app``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI
from parley_runtime.app import create_service_app

from parley_auth.passwords import Hasher
from parley_auth.projects.endpoints import router as projects_router
from parley_auth.sessions.endpoints import router as sessions_router
from parley_auth.settings import AuthSettings, get_settings
from parley_auth.signup.endpoints import router as signup_router
from parley_auth.telegram.client import TelegramClient, quiet_http_logs
from parley_auth.tokens.endpoints import router as tokens_router

log = structlog.get_logger(__name__)


def build_telegram(settings: AuthSettings) -> TelegramClient | None:
    if settings.telegram_bot_token is None:
        return None
    return TelegramClient(
        base_url=str(settings.telegram_api_base_url),
        token=settings.telegram_bot_token,
        timeout_s=settings.telegram_timeout_s,
    )


def create_app(settings: AuthSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.hasher = Hasher(settings)
        app.state.telegram = build_telegram(settings)
        if app.state.telegram is None:
            log.warning(
                "telegram_not_configured",
                consequence="signup PINs are written to this log; development only",
            )
        try:
            yield
        finally:
            if app.state.telegram is not None:
                await app.state.telegram.aclose()

    app = create_service_app(
        service="auth", settings=settings, title="Parley auth", lifespan=lifespan
    )
    quiet_http_logs()
    api = APIRouter(prefix="/v1/auth")
    for router in (sessions_router, signup_router, projects_router, tokens_router):
        api.include_router(router)
    app.include_router(api)
    return app
