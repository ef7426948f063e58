"""A conversation in order, and the conversations nearest to it by their chunks."""

from __future__ import annotations

from parley_schema.models import RagChunk
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.conditions import conversation_in_scope
from parley_search_api.access.scope import ProjectScope
from parley_search_api.conversations.errors import ConversationNotFound
from parley_search_api.conversations.presenters import context_message, conversation_summary
from parley_search_api.conversations.repository import conversation_repository
from parley_search_api.conversations.rows import ConversationFacts
from parley_search_api.conversations.schemas import ConversationRead
from parley_search_api.search.conditions import chunk_conditions
from parley_search_api.search.hit_repository import hit_repository
from parley_search_api.search.presenters import search_hit
from parley_search_api.search.query_embedding import QueryEmbedder
from parley_search_api.search.ranking import FusionPlan, rank
from parley_search_api.search.repository import search_repository
from parley_search_api.search.schemas import SearchFilters, SimilarConversations
from parley_search_api.settings import FusionMethod, SearchSettings

SIMILAR_PLAN = FusionPlan(method=FusionMethod.CONVEX, weights={"semantic": 1.0}, rrf_k=60)


class ConversationService:
    async def _facts(
        self, session: AsyncSession, scope: ProjectScope, global_id: str
    ) -> ConversationFacts:
        facts = await conversation_repository.facts(
            session, global_id, conversation_in_scope(scope)
        )
        if facts is None:
            raise ConversationNotFound(
                f"no conversation {global_id} in this project", field="global_id"
            )
        return facts

    async def get(
        self,
        session: AsyncSession,
        scope: ProjectScope,
        global_id: str,
        *,
        include_private: bool,
        settings: SearchSettings,
    ) -> ConversationRead:
        facts = await self._facts(session, scope, global_id)
        limit = settings.search_conversation_max_messages
        rows = await conversation_repository.messages(
            session, global_id, include_private=include_private, limit=limit + 1
        )
        return ConversationRead(
            conversation=conversation_summary(facts, settings.chatwoot_base_url),
            messages=[context_message(row) for row in rows[:limit]],
            truncated=len(rows) > limit,
        )

    async def similar(
        self,
        session: AsyncSession,
        scope: ProjectScope,
        global_id: str,
        *,
        limit: int,
        include_private: bool,
        settings: SearchSettings,
        embedder: QueryEmbedder,
    ) -> SimilarConversations:
        await self._facts(session, scope, global_id)
        conditions = chunk_conditions(scope, SearchFilters(include_private=include_private))
        centroid = await search_repository.centroid(
            session, global_id, model=embedder.model_name, conditions=conditions
        )
        if centroid is None:
            return SimilarConversations(hits=[])
        await search_repository.tune(
            session,
            ef_search=settings.search_ef_search,
            max_scan_tuples=settings.search_max_scan_tuples,
            trigram_threshold=settings.search_trigram_threshold,
        )
        candidates = await search_repository.semantic(
            session,
            vector=centroid,
            model=embedder.model_name,
            conditions=[*conditions, RagChunk.conversation_global_id != global_id],
            limit=settings.search_candidates,
        )
        ranked = rank({"semantic": candidates}, SIMILAR_PLAN, by_conversation=True)[:limit]
        rows = await hit_repository.hydrate(
            session,
            chunk_ids=[hit.chunk_id for hit in ranked],
            query=None,
            config=settings.search_text_config,
        )
        return SimilarConversations(
            hits=[
                search_hit(
                    hit, rows[hit.chunk_id], base_url=settings.chatwoot_base_url, context=None
                )
                for hit in ranked
                if hit.chunk_id in rows
            ]
        )


conversation_service = ConversationService()
