"""Saved segments of the caller's active project: any member may list, save and delete them."""

from __future__ import annotations

import uuid

from parley_schema.models import Segment
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.scope import ProjectScope
from parley_search_api.segments.errors import SegmentNameTaken, SegmentNotFound
from parley_search_api.segments.repository import segment_repository
from parley_search_api.segments.schemas import SegmentList, SegmentRead, SegmentWrite


def _read(segment: Segment) -> SegmentRead:
    return SegmentRead.model_validate(segment, from_attributes=True)


def _not_found(segment_id: uuid.UUID) -> SegmentNotFound:
    return SegmentNotFound(f"no segment {segment_id} in this project", field="segment_id")


def _taken(name: str) -> SegmentNameTaken:
    return SegmentNameTaken(f"this project has a segment named {name!r}", field="name")


class SegmentService:
    async def list(self, session: AsyncSession, scope: ProjectScope) -> SegmentList:
        segments = await segment_repository.list(session, scope.project_id)
        return SegmentList(segments=[_read(s) for s in segments])

    async def get(
        self, session: AsyncSession, scope: ProjectScope, segment_id: uuid.UUID
    ) -> SegmentRead:
        segment = await segment_repository.get(session, scope.project_id, segment_id)
        if segment is None:
            raise _not_found(segment_id)
        return _read(segment)

    async def create(
        self, session: AsyncSession, scope: ProjectScope, body: SegmentWrite
    ) -> SegmentRead:
        segment = await segment_repository.create(
            session,
            project_id=scope.project_id,
            created_by=scope.user_id,
            name=body.name,
            target=body.target,
            filters=body.filters.model_dump(mode="json", exclude_none=True),
        )
        if segment is None:
            raise _taken(body.name)
        return _read(segment)

    async def replace(
        self, session: AsyncSession, scope: ProjectScope, segment_id: uuid.UUID, body: SegmentWrite
    ) -> SegmentRead:
        if await segment_repository.name_taken(
            session, scope.project_id, body.name, other_than=segment_id
        ):
            raise _taken(body.name)
        segment = await segment_repository.replace(
            session,
            project_id=scope.project_id,
            segment_id=segment_id,
            name=body.name,
            target=body.target,
            filters=body.filters.model_dump(mode="json", exclude_none=True),
        )
        if segment is None:
            raise _not_found(segment_id)
        return _read(segment)

    async def delete(
        self, session: AsyncSession, scope: ProjectScope, segment_id: uuid.UUID
    ) -> None:
        if not await segment_repository.delete(session, scope.project_id, segment_id):
            raise _not_found(segment_id)


segment_service = SegmentService()
