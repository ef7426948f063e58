"""Database wiring for HTTP services: engine on app state, one session per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from parley_schema.db import create_engine, create_sessionmaker, ping, session_scope
from parley_schema.settings import ParleyBaseSettings
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


class Database:
    """The process's engine and session factory, created at start and disposed at stop."""

    def __init__(self, settings: ParleyBaseSettings, *, application_name: str) -> None:
        self.engine: AsyncEngine = create_engine(
            settings,
            application_name=application_name,
            statement_timeout_s=settings.statement_timeout_s,
        )
        self.sessionmaker: async_sessionmaker[AsyncSession] = create_sessionmaker(self.engine)

    async def dispose(self) -> None:
        await self.engine.dispose()


def database_of(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Commit when the handler returns, roll back on any exception."""
    async for session in session_scope(database_of(request).sessionmaker):
        yield session


# scope="function": the session is committed before the response is sent. With FastAPI's
# default ("request") the commit would run after the response, and a failed commit would
# already have been answered 200 (a webhook sender would never retry: silent data loss).
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def database_ready(request: Request) -> None:
    await ping(database_of(request).engine)
