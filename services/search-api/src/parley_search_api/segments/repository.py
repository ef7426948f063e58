"""SQL of saved segments; every statement is limited to one project."""

from __future__ import annotations

import uuid
from typing import Any

from parley_schema.models import Segment
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


class SegmentRepository:
    async def list(self, session: AsyncSession, project_id: uuid.UUID) -> list[Segment]:
        rows = await session.scalars(
            select(Segment).where(Segment.project_id == project_id).order_by(Segment.name)
        )
        return list(rows)

    async def get(
        self, session: AsyncSession, project_id: uuid.UUID, segment_id: uuid.UUID
    ) -> Segment | None:
        return await session.scalar(
            select(Segment).where(Segment.project_id == project_id, Segment.id == segment_id)
        )

    async def create(
        self,
        session: AsyncSession,
        *,
        project_id: uuid.UUID,
        created_by: uuid.UUID,
        name: str,
        target: str,
        filters: dict[str, Any],
    ) -> Segment | None:
        """The new segment; None when the project has one of that name already."""
        statement = (
            insert(Segment)
            .values(
                project_id=project_id,
                created_by=created_by,
                name=name,
                target=target,
                filters=filters,
            )
            .on_conflict_do_nothing(index_elements=["project_id", "name"])
            .returning(Segment)
        )
        segment: Segment | None = await session.scalar(statement)
        return segment

    async def name_taken(
        self, session: AsyncSession, project_id: uuid.UUID, name: str, *, other_than: uuid.UUID
    ) -> bool:
        found = await session.scalar(
            select(Segment.id).where(
                Segment.project_id == project_id, Segment.name == name, Segment.id != other_than
            )
        )
        return found is not None

    async def replace(
        self,
        session: AsyncSession,
        *,
        project_id: uuid.UUID,
        segment_id: uuid.UUID,
        name: str,
        target: str,
        filters: dict[str, Any],
    ) -> Segment | None:
        statement = (
            update(Segment)
            .where(Segment.project_id == project_id, Segment.id == segment_id)
            .values(name=name, target=target, filters=filters, updated_at=func.now())
            .returning(Segment)
        )
        segment: Segment | None = await session.scalar(statement)
        return segment

    async def delete(
        self, session: AsyncSession, project_id: uuid.UUID, segment_id: uuid.UUID
    ) -> bool:
        """Whether the project had that segment (now deleted)."""
        deleted = await session.scalar(
            delete(Segment)
            .where(Segment.project_id == project_id, Segment.id == segment_id)
            .returning(Segment.id)
        )
        return deleted is not None


segment_repository = SegmentRepository()
