"""Conversations similar to one, open or finished: resolved ones first, each with the reply
that resolved it."""

from __future__ import annotations

import structlog
from parley_schema.vector_slots import SlotModel
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.scope import ProjectScope
from parley_search_api.conversations.presenters import context_message
from parley_search_api.conversations.service import ConversationService
from parley_search_api.search.active_model import ActiveModel
from parley_search_api.search.conditions import chunk_conditions, outside_conversation
from parley_search_api.search.hit_repository import hit_repository
from parley_search_api.search.presenters import search_hit
from parley_search_api.search.ranking import RankedHit
from parley_search_api.search.repository import search_repository
from parley_search_api.search.schemas import SearchFilters
from parley_search_api.settings import SearchSettings
from parley_search_api.similar import scoring
from parley_search_api.similar.repository import RESOLVED, similar_repository
from parley_search_api.similar.schemas import SimilarConversations, SimilarHit
from parley_search_api.similar.scoring import direction
from parley_search_api.similar.sides import Side
from parley_search_api.similar.terms import pick_lexemes

log = structlog.get_logger(__name__)

# The source's words considered for the keyword side (its most frequent), and how many of
# them, covering at most what share of the chunks, query it (terms.py).
SOURCE_LEXEMES = 200
MAX_LEXEMES = 48
MAX_LEXEME_SHARE = 0.02
# Matching chunks ranked at most (search's own limit is for one short query; this one's
# words are many, and the ranking is summed per conversation anyway).
KEYWORD_RANK_LIMIT = 500


class SimilarService:
    def __init__(
        self, *, settings: SearchSettings, conversations: ConversationService, models: ActiveModel
    ) -> None:
        self._settings = settings
        self._conversations = conversations  # the source conversation, in scope
        self._models = models  # the model of the vectors compared

    async def similar(
        self,
        session: AsyncSession,
        scope: ProjectScope,
        global_id: str,
        *,
        limit: int,
        include_private: bool,
    ) -> SimilarConversations:
        """Conversations like ``global_id`` (which must be in the caller's project).

        The customer's side of the source (all an open conversation has) and, when there is
        one, its agents' side, against the sides of other conversations (``scoring``),
        fused with a keyword match of the source's words over whole conversations.
        Candidates come from the chunks nearest to the source's sides and from the keyword
        side; every statement keeps to the caller's scope and private-note rule.
        """
        scope.check_private(include_private)
        await self._conversations.facts(session, scope, global_id)
        model = (await self._models.get(session)).vectors
        settings = self._settings
        conditions = chunk_conditions(scope, SearchFilters(include_private=include_private))
        others = [*conditions, outside_conversation(global_id)]
        vectors = await similar_repository.side_means(
            session, global_id, model=model, conditions=conditions
        )
        # Bots, templates and activity say nothing about the problem: a conversation with
        # only those (or no vector yet) has no similar ones.
        sources: dict[Side, list[float]] = {
            side: vector for side, vector in vectors.items() if side is not Side.OTHER
        }
        if not sources:
            return SimilarConversations(hits=[])
        await search_repository.tune(
            session,
            ef_search=settings.search_ef_search,
            max_scan_tuples=settings.search_max_scan_tuples,
            trigram_threshold=settings.search_trigram_threshold,
        )
        # One nearest-chunk search for both sides (their unit vectors added): the side means
        # rank the candidates below, so a second HNSW search (~15-25 ms at 100k
        # conversations) would buy little.
        nearest = await search_repository.semantic(
            session,
            vector=direction(list(sources.values())),
            model=model,
            conditions=others,
            limit=settings.search_candidates,
            exact_below=settings.search_exact_scan_below,
        )
        candidates = {c.conversation_id for c in nearest}
        config = settings.search_text_config
        words = await similar_repository.lexemes(
            session,
            global_id,
            config=config,
            sides=list(sources),
            conditions=conditions,
            limit=SOURCE_LEXEMES,
        )
        shares = await similar_repository.lexeme_shares(session, lexemes=words, config=config)
        lexemes = pick_lexemes(words, shares, limit=MAX_LEXEMES, max_share=MAX_LEXEME_SHARE)
        keyword = await similar_repository.keyword_conversations(
            session,
            lexemes=lexemes,
            config=config,
            conditions=others,
            limit=settings.search_candidates,
            rank_limit=min(KEYWORD_RANK_LIMIT, settings.search_keyword_rank_limit),
        )
        candidates.update(keyword)
        pairs = await similar_repository.side_similarities(
            session,
            conversation_ids=sorted(candidates),
            vectors=sources,
            model=model,
            conditions=conditions,
        )
        semantic = {
            conversation: score
            for conversation, similarities in pairs.items()
            if (score := scoring.semantic_score(similarities)) is not None
        }
        statuses = await similar_repository.statuses(session, sorted(candidates))
        resolved = {c for c, status in statuses.items() if status == RESOLVED}
        ranked = scoring.order(
            semantic, keyword, resolved, dense_weight=settings.search_similar_dense_weight
        )[:limit]
        hits = await self._hits(session, ranked, sources, conditions, model)
        log.info(
            "similar_served",
            sides=sorted(s.value for s in sources),
            candidates=len(candidates),
            hits=len(hits),
        )
        return SimilarConversations(hits=hits)

    async def _hits(
        self,
        session: AsyncSession,
        ranked: list[scoring.Scored],
        sources: dict[Side, list[float]],
        conditions: list[ColumnElement[bool]],
        model: SlotModel,
    ) -> list[SimilarHit]:
        """Each conversation shown by its chunk nearest to the source's customer side (else
        its agents' side), with its resolving reply."""
        ids = [s.conversation_id for s in ranked]
        nearest_to = sources.get(Side.CUSTOMER, sources.get(Side.AGENT))
        representatives = await search_repository.representative_chunks(
            session, conversation_ids=ids, conditions=conditions, vector=nearest_to, model=model
        )
        chunk_of = {r.conversation_id: r.chunk_id for r in representatives}
        rows = await hit_repository.hydrate(
            session,
            chunk_ids=list(chunk_of.values()),
            query=None,
            config=self._settings.search_text_config,
        )
        resolutions = await similar_repository.resolutions(
            session, conversation_ids=ids, vector=nearest_to, model=model
        )
        hits = []
        for scored in ranked:
            chunk_id = chunk_of.get(scored.conversation_id)
            if chunk_id is None or chunk_id not in rows:
                continue
            components = {"semantic": scored.semantic, "keyword": scored.keyword}
            hit = search_hit(
                RankedHit(
                    chunk_id=chunk_id,
                    conversation_id=scored.conversation_id,
                    fused=scored.fused,
                    components={k: v for k, v in components.items() if v is not None},
                ),
                rows[chunk_id],
                base_url=self._settings.chatwoot_base_url,
                context=None,
            )
            resolution = resolutions.get(scored.conversation_id)
            hits.append(
                SimilarHit(
                    **dict(hit),
                    resolution=context_message(resolution) if resolution is not None else None,
                )
            )
        return hits
