"""Conversations similar to one, open or finished: resolved ones first, each with the reply
that resolved it."""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from parley_schema.vector_slots import SlotModel
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.scope import ProjectScope
from parley_search_api.conversations.presenters import context_message
from parley_search_api.conversations.service import ConversationService
from parley_search_api.search.active_model import ActiveModel, SearchModel
from parley_search_api.search.conditions import chunk_conditions, outside_conversation
from parley_search_api.search.dense import weighted_mean
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
        self._models = models  # the model(s) of the vectors compared

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
        models = (await self._models.get(session)).models
        settings = self._settings
        conditions = chunk_conditions(scope, SearchFilters(include_private=include_private))
        others = [*conditions, outside_conversation(global_id)]
        sided = await self._sides(session, global_id, models, conditions)
        if not sided or sided[0][0] is not models[0]:  # none by the active model
            return SimilarConversations(hits=[])
        await search_repository.tune(
            session,
            ef_search=settings.search_ef_search,
            max_scan_tuples=settings.search_max_scan_tuples,
            trigram_threshold=settings.search_trigram_threshold,
        )
        # One nearest-chunk search (per model) for both sides (their unit vectors added): the
        # side means rank the candidates below, so a second HNSW search (~15-25 ms at 100k
        # conversations) would buy little.
        candidates: set[str] = set()
        for model, sources in sided:
            nearest = await search_repository.semantic(
                session,
                vector=direction(list(sources.values())),
                model=model.vectors,
                conditions=others,
                limit=settings.search_candidates,
                exact_below=settings.search_exact_scan_below,
            )
            candidates.update(c.conversation_id for c in nearest)
        config = settings.search_text_config
        words = await similar_repository.lexemes(
            session,
            global_id,
            config=config,
            sides=list(sided[0][1]),
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
        semantic = await self._semantic(session, sorted(candidates), sided, conditions)
        statuses = await similar_repository.statuses(session, sorted(candidates))
        resolved = {c for c, status in statuses.items() if status == RESOLVED}
        ranked = scoring.order(
            semantic, keyword, resolved, dense_weight=settings.search_similar_dense_weight
        )[:limit]
        active, sources = sided[0]
        hits = await self._hits(session, ranked, sources, conditions, active.vectors)
        log.info(
            "similar_served",
            sides=sorted(s.value for s in sources),
            candidates=len(candidates),
            hits=len(hits),
        )
        return SimilarConversations(hits=hits)

    async def _sides(
        self,
        session: AsyncSession,
        global_id: str,
        models: Sequence[SearchModel],
        conditions: list[ColumnElement[bool]],
    ) -> list[tuple[SearchModel, dict[Side, list[float]]]]:
        """Per model (the active one first), the source's side vectors by its vectors; a model
        without any (bots, templates and activity only, or no vector yet) is left out: they
        say nothing about the problem."""
        sided = []
        for model in models:
            vectors = await similar_repository.side_means(
                session, global_id, model=model.vectors, conditions=conditions
            )
            sources: dict[Side, list[float]] = {
                side: v for side, v in vectors.items() if side is not Side.OTHER
            }
            if sources:
                sided.append((model, sources))
        return sided

    async def _semantic(
        self,
        session: AsyncSession,
        conversation_ids: list[str],
        sided: list[tuple[SearchModel, dict[Side, list[float]]]],
        conditions: list[ColumnElement[bool]],
    ) -> dict[str, float]:
        """Each candidate's semantic score (``scoring.semantic_score``) by the one model, or
        the fused models' scores' weighted mean (``search.dense``)."""
        per_model = []
        for model, sources in sided:
            pairs = await similar_repository.side_similarities(
                session,
                conversation_ids=conversation_ids,
                vectors=sources,
                model=model.vectors,
                conditions=conditions,
            )
            per_model.append(
                (model.weight, {c: scoring.semantic_score(p) for c, p in pairs.items()})
            )
        fused = {
            conversation: weighted_mean((w, scores.get(conversation)) for w, scores in per_model)
            for conversation in conversation_ids
        }
        return {conversation: score for conversation, score in fused.items() if score is not None}

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
