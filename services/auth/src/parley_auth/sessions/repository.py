"""SQL for ``sessions``."""

from __future__ import annotations

import uuid
from datetime import datetime

from parley_schema.models import Session
from sqlalchemy import delete, insert, or_, update
from sqlalchemy.ext.asyncio import AsyncSession


class SessionRepository:
    async def create(
        self,
        session: AsyncSession,
        *,
        session_hash: str,
        user_id: uuid.UUID,
        now: datetime,
        expires_at: datetime,
    ) -> None:
        await session.execute(
            insert(Session).values(
                session_id=session_hash,
                user_id=user_id,
                created_at=now,
                last_seen_at=now,
                expires_at=expires_at,
            )
        )

    async def delete(self, session: AsyncSession, session_hash: str) -> None:
        await session.execute(delete(Session).where(Session.session_id == session_hash))

    async def delete_all_of(self, session: AsyncSession, user_id: uuid.UUID) -> int:
        result = await session.execute(delete(Session).where(Session.user_id == user_id))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def delete_expired(
        self, session: AsyncSession, *, now: datetime, idle_since: datetime
    ) -> int:
        """Delete sessions past their absolute expiry or unused since ``idle_since``."""
        result = await session.execute(
            delete(Session).where(
                or_(Session.expires_at <= now, Session.last_seen_at <= idle_since)
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def set_active_project(
        self, session: AsyncSession, session_hash: str, project_id: uuid.UUID | None
    ) -> None:
        await session.execute(
            update(Session)
            .where(Session.session_id == session_hash)
            .values(active_project_id=project_id)
        )


session_repository = SessionRepository()
