"""The auth service's app: wiring only (``uvicorn --factory parley_auth.main:create_app``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI
from parley_runtime.app import create_service_app
from parley_runtime.provided import provide

from parley_auth.cookies import SessionCookies
from parley_auth.passwords import Hasher
from parley_auth.projects.endpoints import router as projects_router
from parley_auth.ratelimits.service import RateLimitService
from parley_auth.sessions.endpoints import router as sessions_router
from parley_auth.sessions.service import SessionService
from parley_auth.settings import AuthSettings, get_settings
from parley_auth.signup.endpoints import router as signup_router
from parley_auth.signup.service import SignupService
from parley_auth.telegram.client import TelegramClient, quiet_http_logs
from parley_auth.telegram.service import TelegramService
from parley_auth.tokens.endpoints import router as tokens_router
from parley_auth.users.service import UserService

log = structlog.get_logger(__name__)


def build_telegram(settings: AuthSettings) -> TelegramService:
    """The owner's Telegram, shared by the app and ``parley auth bind-telegram``; close it."""
    if settings.telegram_bot_token is None:
        return TelegramService(client=None)
    client = TelegramClient(
        base_url=str(settings.telegram_api_base_url),
        token=settings.telegram_bot_token,
        timeout_s=settings.telegram_timeout_s,
    )
    return TelegramService(client=client)


def create_app(settings: AuthSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.telegram_bot_token is None:
            log.warning(
                "telegram_not_configured",
                consequence="signup PINs are written to this log; development only",
            )
        # One hasher: its dummy hash (for unknown usernames) costs one argon2id run.
        hasher = Hasher(settings)
        users = UserService(hasher=hasher)
        telegram = build_telegram(settings)
        rate_limits = RateLimitService(
            session_factory=app.state.database.sessionmaker, window=settings.rate_limit_window
        )
        signup = SignupService(
            settings=settings,
            hasher=hasher,
            users=users,
            telegram=telegram,
            rate_limits=rate_limits,
            session_factory=app.state.database.sessionmaker,
        )
        sessions = SessionService(settings=settings, hasher=hasher, rate_limits=rate_limits)
        provide(app, users, telegram, signup, sessions, SessionCookies(settings=settings))
        try:
            yield
        finally:
            await telegram.aclose()

    app = create_service_app(
        service="auth", settings=settings, title="Parley auth", lifespan=lifespan
    )
    quiet_http_logs()
    api = APIRouter(prefix="/v1/auth")
    for router in (sessions_router, signup_router, projects_router, tokens_router):
        api.include_router(router)
    app.include_router(api)
    return app
