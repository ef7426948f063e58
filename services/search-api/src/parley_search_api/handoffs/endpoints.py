"""``GET /v1/handoffs`` and ``PATCH /v1/handoffs/{handoff_id}``: the handoffs of the
conversations in the caller's project."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from parley_search_api import responses
from parley_search_api.deps import ScopeDep, SessionDep, WriteScopeDep
from parley_search_api.handoffs.schemas import HandoffList, HandoffQuery, HandoffRead, HandoffUpdate
from parley_search_api.handoffs.service import handoff_service

router = APIRouter(prefix="/v1/handoffs", tags=["handoffs"])


@router.get("", responses=responses.HANDOFFS)
async def list_handoffs(
    query: Annotated[HandoffQuery, Query()], scope: ScopeDep, session: SessionDep
) -> HandoffList:
    return await handoff_service.list(session, scope, query)


@router.patch("/{handoff_id}", responses=responses.HANDOFF_UPDATE)
async def update_handoff(
    handoff_id: uuid.UUID, body: HandoffUpdate, scope: WriteScopeDep, session: SessionDep
) -> HandoffRead:
    return await handoff_service.update(session, scope, handoff_id, body)
