"""SQL of the second stage: the features of the top hits (second_stage.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from parley_schema.models import ChunkKind, CwConversation, CwMessage, RagChunk
from sqlalchemy import Select, bindparam, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.search.second_stage import Features
from parley_search_api.similar.repository import RESOLVED
from parley_search_api.similar.sides import is_agent_reply


def _features_statement() -> Select[uuid.UUID, bool, bool]:
    replied = (
        select(CwMessage.id)
        .where(
            CwMessage.conversation_global_id == RagChunk.conversation_global_id,
            is_agent_reply(CwMessage.message_type, CwMessage.sender_type),
            CwMessage.private.is_(False),
            CwMessage.deleted_at.is_(None),
        )
        .exists()
    )
    knowledge = RagChunk.kind != ChunkKind.MESSAGE
    return (
        select(
            RagChunk.id,
            or_(knowledge, func.coalesce(CwConversation.status == RESOLVED, false())),
            or_(knowledge, replied),
        )
        .outerjoin(CwConversation, CwConversation.id == RagChunk.conversation_global_id)
        .where(RagChunk.id.in_(bindparam("chunk_ids", expanding=True)))
    )


# Built once: only the chunk ids change (building and keying it took ~2 ms a search).
_FEATURES = _features_statement()


class SecondStageRepository:
    async def features(
        self,
        session: AsyncSession,
        *,
        chunk_ids: Sequence[uuid.UUID],
    ) -> dict[uuid.UUID, Features]:
        """The outcome of each chunk's conversation; knowledge chunks (articles, documents) are
        written answers and count as resolved and answered, so the prior never ranks a
        conversation that merely mentions a question above the article that answers it."""
        if not chunk_ids:
            return {}
        rows = await session.execute(_FEATURES, {"chunk_ids": list(chunk_ids)})
        return {
            chunk_id: Features(bool(resolved), bool(agent)) for chunk_id, resolved, agent in rows
        }


second_stage_repository = SecondStageRepository()
