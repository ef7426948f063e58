"""Async engine and session factory, created once per process from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from parley_schema.settings import ParleyBaseSettings


def create_engine(
    settings: ParleyBaseSettings,
    *,
    application_name: str = "parley",
    statement_timeout_s: float | None = None,
    server_settings: Mapping[str, str] | None = None,
) -> AsyncEngine:
    """The process's engine. Errors never carry bound parameters (``hide_parameters``):
    they hold message text and contact details, and errors end up in logs.

    ``statement_timeout_s`` bounds every statement on its connections (None: no bound);
    ``server_settings`` sets more Postgres settings on each of them.

    The pool holds up to twice ``db_pool_size`` connections and keeps each one it opened,
    the most recently used first. A pool with overflow connections closes them as they come
    back after a burst and opens them again at the next: each one a Postgres process fork,
    password (SCRAM) authentication and cold caches. At 50 webhooks/s on two cores that
    churn (over a hundred connections opened in 30 s) took the CPU the requests needed,
    which made them slower, more of them in flight, and more connections opened.

    A connection the server closed while it sat in the pool (Postgres restarted) is
    replaced when it is checked out (``_replace_if_closed``); ``db_pool_pre_ping`` adds a
    round-trip test on top.
    """
    connection_settings = {"application_name": application_name, **(server_settings or {})}
    if statement_timeout_s is not None:
        connection_settings["statement_timeout"] = str(round(statement_timeout_s * 1000))
    engine = create_async_engine(
        settings.database_url_str,
        pool_size=2 * settings.db_pool_size,
        max_overflow=0,
        pool_use_lifo=True,
        pool_pre_ping=settings.db_pool_pre_ping,
        hide_parameters=True,
        connect_args={"server_settings": connection_settings},
    )
    event.listen(engine.sync_engine.pool, "checkout", _replace_if_closed)
    return engine


def _replace_if_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled connection asyncpg saw closed; the pool opens a new one instead.

    Costs no round trip: when Postgres ends a connection (a restart, an idle timeout) it
    closes the socket, and asyncpg marks the connection closed as the event loop reads that.
    A connection lost without a close (a dead host) fails its first statement instead.
    """
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def session_scope(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Yield a session that commits when the caller finishes and rolls back on any error."""
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


async def ping(engine: AsyncEngine) -> None:
    """Round-trip to the database; raises when it is unreachable."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
