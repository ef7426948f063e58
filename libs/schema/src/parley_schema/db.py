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


def create_engine(settings: ParleyBaseSettings, *, application_name: str = "parley") -> AsyncEngine:
    return create_async_engine(
        settings.database_url_str,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=settings.db_pool_pre_ping,
        connect_args={"server_settings": {"application_name": application_name}},
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
