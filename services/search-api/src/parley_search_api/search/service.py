"""Search: candidates per component, fusion, a page, hydration."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict

import structlog
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from parley_search_api.access.scope import ProjectScope
from parley_search_api.search import cursor as cursors
from parley_search_api.search.active_model import ActiveModel
from parley_search_api.search.candidates import Candidate
from parley_search_api.search.conditions import (
    KeyedConditions,
    keyed_chunk_conditions,
    keyed_conversation_conditions,
)
from parley_search_api.search.dense import QueryVector, fuse
from parley_search_api.search.errors import CursorMismatch
from parley_search_api.search.hit_repository import ContextRow, hit_repository
from parley_search_api.search.keyword import KeywordBounds, keyword_repository
from parley_search_api.search.knowledge_hits import knowledge_hit_repository
from parley_search_api.search.lift_terms import lift_terms
from parley_search_api.search.presenters import knowledge_hit, search_hit
from parley_search_api.search.ranking import FusionPlan, RankedHit, rank
from parley_search_api.search.repository import search_repository
from parley_search_api.search.schemas import (
    GroupBy,
    SearchFilters,
    SearchHit,
    SearchMode,
    SearchRequest,
    SearchResponse,
    SearchSource,
)
from parley_search_api.search.second_stage import SecondStage
from parley_search_api.search.second_stage_repository import second_stage_repository
from parley_search_api.search.typo_fallback import TypoFallback
from parley_search_api.settings import FusionMethod, SearchSettings, TextSearchConfig

log = structlog.get_logger(__name__)

# A lift this strong (an email, phone, identifier or display id, or the whole name) ranks the
# conversation above every hit without; a partial name match (one word) only adds its weight.
FULL_MATCH = 1.0


def fusion_plan(settings: SearchSettings, method: FusionMethod) -> FusionPlan:
    if method is FusionMethod.RRF:
        weights = {"semantic": 1.0, "keyword": 1.0, "lift": 1.0}
    else:
        weights = {
            "semantic": settings.search_dense_weight,
            "keyword": 1.0 - settings.search_dense_weight,
            "lift": settings.search_lift_weight,
        }
    return FusionPlan(method=method, weights=weights, rrf_k=settings.search_rrf_k)


def _fingerprint(request: SearchRequest, method: FusionMethod, config: TextSearchConfig) -> str:
    canonical = request.model_dump(mode="json", exclude={"cursor", "limit", "context"})
    canonical.update(fusion=method.value, text_config=config.value)
    return cursors.fingerprint(json.dumps(canonical, sort_keys=True))


class SearchService:
    def __init__(
        self,
        *,
        settings: SearchSettings,
        models: ActiveModel,
    ) -> None:
        self._settings = settings
        self._models = models  # the model(s) of the vectors searched, with their query caches
        self._plans = {method: fusion_plan(settings, method) for method in FusionMethod}
        self._second_stage = SecondStage(
            depth=settings.search_second_stage_depth,
            outcome_weight=settings.search_outcome_weight,
        )
        self._keyword_bounds = KeywordBounds.configured(settings)
        self._dense_connections = asyncio.Semaphore(settings.db_pool_size)
        self._typo = TypoFallback(
            below=settings.search_typo_fallback_below,
            max_words=settings.search_typo_max_words,
            candidates=settings.search_typo_candidates,
        )

    async def search(
        self, session: AsyncSession, scope: ProjectScope, request: SearchRequest
    ) -> SearchResponse:
        scope.check_private(request.filters.include_private)
        method = request.fusion or self._settings.search_fusion
        config = request.text_config or self._settings.search_text_config
        fingerprint = _fingerprint(request, method, config)
        offset = 0
        if request.cursor is not None:
            cursor = cursors.decode(request.cursor)
            if cursor.fingerprint != fingerprint:
                raise CursorMismatch("cursor belongs to a different query; start without one")
            offset = cursor.offset
        fusion_used = method if request.mode is not SearchMode.SEMANTIC else None
        if not scope.sources and SearchSource.DOCUMENTS not in request.sources:
            return SearchResponse(hits=[], next_cursor=None, mode=request.mode, fusion=fusion_used)

        # Before the search's next statement: no pooled connection waits on the model.
        vectors: list[QueryVector] = []
        if request.mode is not SearchMode.KEYWORD:
            vectors = await (await self._models.get(session)).embed(request.q)
        components = await self._candidates(session, scope, request, config, vectors)
        ranked = rank(
            components,
            self._plans[method],
            by_conversation=request.group_by is GroupBy.CONVERSATION,
        )
        # Hybrid with convex fusion only: its bonus is on the confidences' scale, and the
        # single modes stay what they say (semantic: the nearest chunks, bench/search's recall).
        if (
            self._second_stage.depth
            and request.mode is SearchMode.HYBRID
            and method is FusionMethod.CONVEX
        ):
            ranked = await self._reorder(session, ranked)
        page = ranked[offset : offset + request.limit]
        next_offset = offset + request.limit
        next_cursor = (
            cursors.encode(cursors.Cursor(offset=next_offset, fingerprint=fingerprint))
            if next_offset < len(ranked)
            else None
        )
        hits = await self._hits(
            session,
            page,
            query=request.q if request.mode is not SearchMode.SEMANTIC else None,
            config=config,
            context=request.context,
            include_private=request.filters.include_private,
        )
        log.info(
            "search_served",
            mode=request.mode.value,
            fusion=method.value,
            candidates={name: len(c) for name, c in components.items()},
            hits=len(hits),
        )
        return SearchResponse(
            hits=hits, next_cursor=next_cursor, mode=request.mode, fusion=fusion_used
        )

    async def _reorder(self, session: AsyncSession, ranked: list[RankedHit]) -> list[RankedHit]:
        """The second stage over the top of ``ranked`` (second_stage.py)."""
        features = await second_stage_repository.features(
            session, chunk_ids=[hit.chunk_id for hit in ranked[: self._second_stage.depth]]
        )
        return self._second_stage.reorder(ranked, features)

    async def _tune(self, session: AsyncSession) -> None:
        await search_repository.tune(
            session,
            ef_search=self._settings.search_ef_search,
            max_scan_tuples=self._settings.search_max_scan_tuples,
            trigram_threshold=self._settings.search_trigram_threshold,
        )

    async def _candidates(
        self,
        session: AsyncSession,
        scope: ProjectScope,
        request: SearchRequest,
        config: TextSearchConfig,
        vectors: list[QueryVector],
    ) -> dict[str, list[Candidate]]:
        """Candidates per component; ``vectors`` are the query's embeddings, the active
        model's first (none: keyword mode).

        In hybrid search the dense candidates run on a connection of their own, beside the
        keyword and lift statements on the request's (two backends, two cores: the search
        waits for the slower side instead of both), while fewer than ``db_pool_size``
        searches do so at once: the pool holds twice that, so a search waiting for its
        second connection always leaves one for a search that holds both to finish with.
        """
        chunks = keyed_chunk_conditions(scope, request.filters, request.sources)
        conditions = list(chunks.where)
        if not vectors:
            await self._tune(session)
            return await self._textual(session, scope, request, config, chunks, vectors)
        if request.mode is SearchMode.SEMANTIC:
            await self._tune(session)
            return {"semantic": await self._semantic(session, request, conditions, vectors)}
        engine = session.bind
        # A session bound to one connection has no other; with the pool busy, one in turn.
        if not isinstance(engine, AsyncEngine) or self._dense_connections.locked():
            await self._tune(session)
            semantic = await self._semantic(session, request, conditions, vectors)
            textual = await self._textual(session, scope, request, config, chunks, vectors)
            return {"semantic": semantic, **textual}

        async def textual_side() -> dict[str, list[Candidate]]:
            await self._tune(session)
            return await self._textual(session, scope, request, config, chunks, vectors)

        async with self._dense_connections:
            # Both sides end before this returns, failed or not: a side still running on the
            # request's session while the error rolls that session back would break its
            # connection ("another operation is in progress") and then the pool.
            dense_side, text_side = await asyncio.gather(
                self._semantic_on_own_connection(engine, request, conditions, vectors),
                textual_side(),
                return_exceptions=True,
            )
        if isinstance(dense_side, BaseException):
            raise dense_side
        if isinstance(text_side, BaseException):
            raise text_side
        return {"semantic": dense_side, **text_side}

    async def _semantic_on_own_connection(
        self,
        engine: AsyncEngine,
        request: SearchRequest,
        conditions: list[ColumnElement[bool]],
        vectors: list[QueryVector],
    ) -> list[Candidate]:
        async with AsyncSession(engine) as own:
            await self._tune(own)
            return await self._semantic(own, request, conditions, vectors)

    async def _semantic(
        self,
        session: AsyncSession,
        request: SearchRequest,
        conditions: list[ColumnElement[bool]],
        vectors: list[QueryVector],
    ) -> list[Candidate]:
        semantic = await self._dense(session, vectors, conditions)
        if request.min_score is not None:
            semantic = [c for c in semantic if c.score >= request.min_score]
        return semantic

    async def _textual(
        self,
        session: AsyncSession,
        scope: ProjectScope,
        request: SearchRequest,
        config: TextSearchConfig,
        chunks: KeyedConditions,
        vectors: list[QueryVector],
    ) -> dict[str, list[Candidate]]:
        """The keyword candidates and, over conversations, the lift's."""
        settings = self._settings
        # the words' document frequencies: among the caller's sources, whatever the filters
        unfiltered = SearchFilters(include_private=request.filters.include_private)
        vocabulary = (
            chunks
            if request.filters == unfiltered
            else keyed_chunk_conditions(scope, unfiltered, request.sources)
        )
        components = {
            "keyword": await keyword_repository.search(
                session,
                query=request.q,
                config=config,
                conditions=chunks,
                vocabulary=vocabulary,
                limit=settings.search_candidates,
                bounds=self._keyword_bounds,
                typo=self._typo,
            )
        }
        if SearchSource.CONVERSATIONS in request.sources:
            lifted = await search_repository.lifted_conversations(
                session,
                query=request.q,
                terms=lift_terms(request.q),
                conditions=keyed_conversation_conditions(scope, request.filters),
                limit=settings.search_candidates,
            )
            representatives = await search_repository.representative_chunks(
                session,
                conversation_ids=list(lifted),
                conditions=chunks.where,
                # nearest by the active model's vectors (fused or not)
                vector=vectors[0].values if vectors else None,
                model=vectors[0].model if vectors else None,
            )
            components["lift"] = [
                Candidate(
                    r.chunk_id,
                    r.conversation_id,
                    lifted[r.conversation_id],
                    exact=lifted[r.conversation_id] >= FULL_MATCH,
                )
                for r in representatives
            ]
        return components

    async def _dense(
        self,
        session: AsyncSession,
        vectors: list[QueryVector],
        conditions: list[ColumnElement[bool]],
    ) -> list[Candidate]:
        """The nearest chunks by the one model search uses, or fused over its models
        (``search.dense``): one list either way."""
        settings = self._settings
        if len(vectors) == 1:
            return await search_repository.semantic(
                session,
                vector=vectors[0].values,
                model=vectors[0].model,
                conditions=conditions,
                limit=settings.search_candidates,
                exact_below=settings.search_exact_scan_below,
            )
        # The models cover the same chunks (complete coverage): one plan decides for all.
        exact = await search_repository.scans_exactly(
            session,
            model=vectors[0].model,
            conditions=conditions,
            exact_below=settings.search_exact_scan_below,
        )
        rows = [
            row
            for by in vectors
            for row in await search_repository.semantic_cosines(
                session,
                by=by,
                vectors=vectors,
                conditions=conditions,
                limit=settings.search_candidates,
                exact=exact,
            )
        ]
        return fuse(rows, [v.weight for v in vectors], settings.search_candidates)

    async def _hits(
        self,
        session: AsyncSession,
        page: list[RankedHit],
        *,
        query: str | None,
        config: TextSearchConfig,
        context: int,
        include_private: bool,
    ) -> list[SearchHit]:
        """The page hydrated; ``query`` highlights keyword matches, ``context`` adds that many
        messages before and after each message hit (0: no context)."""
        rows = await hit_repository.hydrate(
            session, chunk_ids=[hit.chunk_id for hit in page], query=query, config=config
        )
        knowledge = await knowledge_hit_repository.hydrate(
            session,
            chunk_ids=[hit.chunk_id for hit in page if hit.chunk_id not in rows],
            query=query,
            config=config,
        )
        around: dict[str, list[ContextRow]] | None = None
        if context:
            around = defaultdict(list)
            for row in await hit_repository.context(
                session,
                message_ids=[r.message_id for r in rows.values()],
                size=context,
                include_private=include_private,
            ):
                around[row.hit_message_id].append(row)
        hits = []
        for hit in page:
            if hit.chunk_id in rows:
                message = rows[hit.chunk_id]
                hits.append(
                    search_hit(
                        hit,
                        message,
                        base_url=self._settings.chatwoot_base_url,
                        context=around.get(message.message_id, []) if around is not None else None,
                    )
                )
            elif hit.chunk_id in knowledge:
                hits.append(knowledge_hit(hit, knowledge[hit.chunk_id]))
        return hits
