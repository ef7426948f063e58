"""Async engine and session factory, created once per process from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy import text
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
) -> AsyncEngine:
    """The process's engine. Errors never carry bound parameters (``hide_parameters``):
    they hold message text and contact details, and errors end up in logs.

    ``statement_timeout_s`` bounds every statement on its connections (None: no bound).
    """
    server_settings = {"application_name": application_name}
    if statement_timeout_s is not None:
        server_settings["statement_timeout"] = str(round(statement_timeout_s * 1000))
    return create_async_engine(
        settings.database_url_str,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=settings.db_pool_pre_ping,
        hide_parameters=True,
        connect_args={"server_settings": server_settings},
    )


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
