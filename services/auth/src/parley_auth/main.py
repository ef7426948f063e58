"""The auth service's app: wiring only (``uvicorn --factory parley_auth.main:create_app``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from parley_runtime.app import create_service_app
from parley_runtime.provided import provide
from parley_schema.jobs import run_periodically
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_auth.audit.endpoints import router as audit_router
from parley_auth.clock import utc_now
from parley_auth.cookies import SessionCookies
from parley_auth.grants.endpoints import router as grants_router
from parley_auth.housekeeping.service import JOB_NAME, HousekeepingService
from parley_auth.passwords import Hasher
from parley_auth.projects.endpoints import router as projects_router
from parley_auth.ratelimits.service import RateLimitService
from parley_auth.retention.endpoints import router as retention_router
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


def warn_about_signup(settings: AuthSettings) -> None:
    """Say at start how signup PINs travel, when it is not the production way."""
    if settings.signup_dev_pin_log:
        log.warning(
            "signup_dev_pin_log",
            consequence="without a bound Telegram owner, signup PINs are written to this log; "
            "development only",
        )
    elif settings.telegram_bot_token is None:
        log.warning(
            "telegram_not_configured",
            consequence="signup answers 503 signup_unavailable until PARLEY_TELEGRAM_BOT_TOKEN "
            "is set and the owner bound (parley auth bind-telegram)",
        )


def start_housekeeping(
    settings: AuthSettings, sessionmaker: async_sessionmaker[AsyncSession]
) -> asyncio.Task[None]:
    housekeeping = HousekeepingService(settings=settings)
    return asyncio.create_task(
        run_periodically(
            sessionmaker,
            JOB_NAME,
            lambda session: housekeeping.purge(session, now=utc_now()),
            interval_s=settings.housekeeping_interval_s,
        ),
        name=JOB_NAME,
    )


def create_app(settings: AuthSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        warn_about_signup(settings)
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
        housekeeping = start_housekeeping(settings, app.state.database.sessionmaker)
        try:
            yield
        finally:
            housekeeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await housekeeping
            await telegram.aclose()

    app = create_service_app(
        service="auth", settings=settings, title="Parley auth", lifespan=lifespan
    )
    quiet_http_logs()
    if settings.cors_origins:
        # Bearer tokens only: no cookie crosses origins, so a listed page gains nothing it
        # could use against a cookie session (whose writes still need X-CSRF-Token).
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
            max_age=600,
        )
    api = APIRouter(prefix="/v1/auth")
    for router in (
        sessions_router,
        signup_router,
        projects_router,
        tokens_router,
        grants_router,
        retention_router,
    ):
        api.include_router(router)
    app.include_router(api)
    app.include_router(audit_router)
    return app
