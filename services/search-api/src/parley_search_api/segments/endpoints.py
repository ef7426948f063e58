"""``/v1/segments``: the saved segments of the caller's project."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from parley_search_api import responses
from parley_search_api.deps import ScopeDep, SessionDep, WriteScopeDep
from parley_search_api.segments.schemas import SegmentList, SegmentRead, SegmentWrite
from parley_search_api.segments.service import segment_service

router = APIRouter(prefix="/v1/segments", tags=["segments"])


@router.get("", responses=responses.SEGMENTS)
async def list_segments(scope: ScopeDep, session: SessionDep) -> SegmentList:
    return await segment_service.list(session, scope)


@router.post("", status_code=201, responses=responses.SEGMENT_WRITE)
async def create_segment(
    body: SegmentWrite, scope: WriteScopeDep, session: SessionDep
) -> SegmentRead:
    return await segment_service.create(session, scope, body)


@router.get("/{segment_id}", responses=responses.SEGMENT)
async def get_segment(segment_id: uuid.UUID, scope: ScopeDep, session: SessionDep) -> SegmentRead:
    return await segment_service.get(session, scope, segment_id)


@router.put("/{segment_id}", responses=responses.SEGMENT_REPLACE)
async def replace_segment(
    segment_id: uuid.UUID, body: SegmentWrite, scope: WriteScopeDep, session: SessionDep
) -> SegmentRead:
    return await segment_service.replace(session, scope, segment_id, body)


@router.delete("/{segment_id}", status_code=204, responses=responses.SEGMENT)
async def delete_segment(
    segment_id: uuid.UUID, scope: WriteScopeDep, session: SessionDep
) -> Response:
    await segment_service.delete(session, scope, segment_id)
    return Response(status_code=204)
