"""SQL for the caller's project sources."""

from __future__ import annotations

import uuid

from parley_schema.models import ProjectSource
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.scope import Source


class AccessRepository:
    async def sources(self, session: AsyncSession, project_id: uuid.UUID) -> tuple[Source, ...]:
        rows = await session.execute(
            select(ProjectSource.account_id, ProjectSource.inbox_id)
            .where(ProjectSource.project_id == project_id)
            .order_by(ProjectSource.account_id, ProjectSource.inbox_id)
        )
        return tuple(Source(account_id=a, inbox_id=i) for a, i in rows)


access_repository = AccessRepository()
