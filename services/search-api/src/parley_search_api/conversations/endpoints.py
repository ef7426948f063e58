"""``GET /v1/conversations/{global_id}``, ``GET /v1/conversations/{global_id}/similar``
(similar is its own domain, ``similar/``: this path names the conversation it starts from)
and ``POST /v1/conversations/search`` (conversations by their facts, no text query)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from parley_schema.ids import CONVERSATION_GLOBAL_ID_PATTERN

from parley_search_api import responses
from parley_search_api.conversations.listing import (
    ConversationSearchRequest,
    ConversationSearchResponse,
)
from parley_search_api.conversations.schemas import ConversationRead
from parley_search_api.deps import (
    ConversationServiceDep,
    ScopeDep,
    SessionDep,
    SimilarServiceDep,
)
from parley_search_api.similar.schemas import SimilarConversations

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])

GlobalId = Annotated[
    str,
    Path(pattern=CONVERSATION_GLOBAL_ID_PATTERN, description="e.g. cw:1:42", examples=["cw:1:42"]),
]


@router.get("/{global_id}", responses=responses.CONVERSATION)
async def get_conversation(
    global_id: GlobalId,
    scope: ScopeDep,
    session: SessionDep,
    conversations: ConversationServiceDep,
    include_private: bool = False,
) -> ConversationRead:
    return await conversations.get(session, scope, global_id, include_private=include_private)


@router.get("/{global_id}/similar", responses=responses.SIMILAR)
async def similar_conversations(
    global_id: GlobalId,
    scope: ScopeDep,
    session: SessionDep,
    similar: SimilarServiceDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    include_private: bool = False,
) -> SimilarConversations:
    return await similar.similar(
        session, scope, global_id, limit=limit, include_private=include_private
    )


@router.post("/search", responses=responses.LISTING)
async def search_conversations(
    body: ConversationSearchRequest,
    scope: ScopeDep,
    session: SessionDep,
    conversations: ConversationServiceDep,
) -> ConversationSearchResponse:
    return await conversations.search(session, scope, body)
