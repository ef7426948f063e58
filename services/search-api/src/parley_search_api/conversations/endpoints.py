"""``GET /v1/conversations/{global_id}`` and ``GET /v1/conversations/{global_id}/similar``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from parley_schema.ids import CONVERSATION_GLOBAL_ID_PATTERN

from parley_search_api.conversations.schemas import ConversationRead
from parley_search_api.conversations.service import conversation_service
from parley_search_api.deps import QueryEmbedderDep, ScopeDep, SessionDep, SettingsDep
from parley_search_api.search.schemas import SimilarConversations

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])

GlobalId = Annotated[str, Path(pattern=CONVERSATION_GLOBAL_ID_PATTERN, description="e.g. cw:1:42")]


@router.get("/{global_id}")
async def get_conversation(
    global_id: GlobalId,
    scope: ScopeDep,
    session: SessionDep,
    settings: SettingsDep,
    include_private: bool = False,
) -> ConversationRead:
    return await conversation_service.get(
        session, scope, global_id, include_private=include_private, settings=settings
    )


@router.get("/{global_id}/similar")
async def similar_conversations(
    global_id: GlobalId,
    scope: ScopeDep,
    session: SessionDep,
    settings: SettingsDep,
    embedder: QueryEmbedderDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    include_private: bool = False,
) -> SimilarConversations:
    return await conversation_service.similar(
        session,
        scope,
        global_id,
        limit=limit,
        include_private=include_private,
        settings=settings,
        embedder=embedder,
    )
