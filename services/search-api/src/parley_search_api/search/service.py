"""Search: candidates from each component, fusion, grouping, a page, hydration, context."""

from __future__ import annotations

import json
from collections import defaultdict

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.access.scope import ProjectScope
from parley_search_api.search import cursor as cursors
from parley_search_api.search.conditions import chunk_conditions, conversation_conditions
from parley_search_api.search.errors import CursorMismatch
from parley_search_api.search.hit_repository import ContextRow, hit_repository
from parley_search_api.search.lift_terms import lift_terms
from parley_search_api.search.presenters import search_hit
from parley_search_api.search.query_embedding import QueryEmbedder
from parley_search_api.search.ranking import FusionPlan, RankedHit, rank
from parley_search_api.search.repository import Candidate, search_repository
from parley_search_api.search.schemas import (
    GroupBy,
    SearchFilters,
    SearchHit,
    SearchMode,
    SearchRequest,
    SearchResponse,
)
from parley_search_api.settings import FusionMethod, SearchSettings, TextSearchConfig

log = structlog.get_logger(__name__)


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
    async def search(
        self,
        session: AsyncSession,
        scope: ProjectScope,
        request: SearchRequest,
        *,
        settings: SearchSettings,
        embedder: QueryEmbedder,
    ) -> SearchResponse:
        method = request.fusion or settings.search_fusion
        config = request.text_config or settings.search_text_config
        fingerprint = _fingerprint(request, method, config)
        offset = 0
        if request.cursor is not None:
            cursor = cursors.decode(request.cursor)
            if cursor.fingerprint != fingerprint:
                raise CursorMismatch("cursor belongs to a different query; start without one")
            offset = cursor.offset
        fusion_used = method if request.mode is not SearchMode.SEMANTIC else None
        if not scope.sources:
            return SearchResponse(hits=[], next_cursor=None, mode=request.mode, fusion=fusion_used)

        components = await self._candidates(
            session, scope, request, settings=settings, embedder=embedder, config=config
        )
        ranked = rank(
            components,
            fusion_plan(settings, method),
            by_conversation=request.group_by is GroupBy.CONVERSATION,
        )
        page = ranked[offset : offset + request.limit]
        next_offset = offset + request.limit
        next_cursor = (
            cursors.encode(cursors.Cursor(offset=next_offset, fingerprint=fingerprint))
            if next_offset < len(ranked)
            else None
        )
        hits = await self._hydrate(session, page, request, settings=settings, config=config)
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

    async def _candidates(
        self,
        session: AsyncSession,
        scope: ProjectScope,
        request: SearchRequest,
        *,
        settings: SearchSettings,
        embedder: QueryEmbedder,
        config: TextSearchConfig,
    ) -> dict[str, list[Candidate]]:
        conditions = chunk_conditions(scope, request.filters)
        await search_repository.tune(
            session,
            ef_search=settings.search_ef_search,
            max_scan_tuples=settings.search_max_scan_tuples,
            trigram_threshold=settings.search_trigram_threshold,
        )
        components: dict[str, list[Candidate]] = {}
        vector = None
        if request.mode is not SearchMode.KEYWORD:
            vector = await embedder.embed(request.q)
            components["semantic"] = await search_repository.semantic(
                session,
                vector=vector,
                model=embedder.model_name,
                conditions=conditions,
                limit=settings.search_candidates,
                exact_below=settings.search_exact_scan_below,
            )
        if request.mode is not SearchMode.SEMANTIC:
            components["keyword"] = await search_repository.keyword(
                session,
                query=request.q,
                config=config,
                conditions=conditions,
                vocabulary=chunk_conditions(
                    scope, SearchFilters(include_private=request.filters.include_private)
                ),
                limit=settings.search_candidates,
                rank_limit=settings.search_keyword_rank_limit,
                typo_fallback_below=settings.search_typo_fallback_below,
            )
            lifted = await search_repository.lifted_conversations(
                session,
                query=request.q,
                terms=lift_terms(request.q),
                conditions=conversation_conditions(scope, request.filters),
                limit=settings.search_candidates,
            )
            representatives = await search_repository.representative_chunks(
                session,
                conversation_ids=list(lifted),
                conditions=conditions,
                vector=vector,
            )
            components["lift"] = [
                Candidate(r.chunk_id, r.conversation_id, lifted[r.conversation_id])
                for r in representatives
            ]
        return components

    async def _hydrate(
        self,
        session: AsyncSession,
        page: list[RankedHit],
        request: SearchRequest,
        *,
        settings: SearchSettings,
        config: TextSearchConfig,
    ) -> list[SearchHit]:
        rows = await hit_repository.hydrate(
            session,
            chunk_ids=[hit.chunk_id for hit in page],
            query=request.q if request.mode is not SearchMode.SEMANTIC else None,
            config=config,
        )
        context: dict[str, list[ContextRow]] | None = None
        if request.context:
            context = defaultdict(list)
            for row in await hit_repository.context(
                session,
                message_ids=[r.message_id for r in rows.values()],
                size=request.context,
                include_private=request.filters.include_private,
            ):
                context[row.hit_message_id].append(row)
        return [
            search_hit(
                hit,
                rows[hit.chunk_id],
                base_url=settings.chatwoot_base_url,
                context=context.get(rows[hit.chunk_id].message_id, [])
                if context is not None
                else None,
            )
            for hit in page
            if hit.chunk_id in rows
        ]


search_service = SearchService()
