"""SQL of the second stage: the features of the top hits (second_stage.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from parley_schema.models import CwConversation, CwMessage, RagChunk
from sqlalchemy import false, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.search.second_stage import Features
from parley_search_api.search.text_search import regconfig, text_vector
from parley_search_api.settings import TextSearchConfig
from parley_search_api.similar.repository import RESOLVED
from parley_search_api.similar.sides import is_agent_reply


class SecondStageRepository:
    async def features(
        self,
        session: AsyncSession,
        *,
        chunk_ids: Sequence[uuid.UUID],
        phrase: str | None,
        config: TextSearchConfig,
    ) -> dict[uuid.UUID, Features]:
        """Each chunk's conversation outcome, and whether its text has ``phrase`` (the
        query's words in order; None: not asked, semantic mode)."""
        if not chunk_ids:
            return {}
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
        has_phrase = (
            text_vector(config).bool_op("@@")(
                func.phraseto_tsquery(regconfig(config), func.parley_unaccent(literal(phrase)))
            )
            if phrase
            else false()
        )
        rows = await session.execute(
            select(
                RagChunk.id,
                func.coalesce(CwConversation.status == RESOLVED, false()),
                replied,
                has_phrase,
            )
            .outerjoin(CwConversation, CwConversation.id == RagChunk.conversation_global_id)
            .where(RagChunk.id.in_(chunk_ids))
        )
        return {
            chunk_id: Features(bool(resolved), bool(agent), bool(in_order))
            for chunk_id, resolved, agent, in_order in rows
        }


second_stage_repository = SecondStageRepository()
