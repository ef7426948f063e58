"""The SQL one search request runs, called directly: the baseline of the API/SQL ratio."""

from __future__ import annotations

from parley_embeddings.local import LOCAL_DIMENSION, LOCAL_MODEL_NAME
from parley_schema.vector_slots import SlotModel
from parley_search_api.access.scope import ProjectScope
from parley_search_api.search.candidates import Candidate
from parley_search_api.search.conditions import (
    keyed_chunk_conditions,
    keyed_conversation_conditions,
)
from parley_search_api.search.hit_repository import HitRow, hit_repository
from parley_search_api.search.keyword import KeywordBounds, keyword_repository
from parley_search_api.search.lift_terms import lift_terms
from parley_search_api.search.ranking import rank
from parley_search_api.search.repository import search_repository
from parley_search_api.search.schemas import SearchFilters, SearchSource
from parley_search_api.search.second_stage import SecondStage
from parley_search_api.search.second_stage_repository import second_stage_repository
from parley_search_api.search.service import FULL_MATCH, fusion_plan
from parley_search_api.search.typo_fallback import TypoFallback
from parley_search_api.settings import SearchSettings
from sqlalchemy.ext.asyncio import AsyncSession

MODEL = SlotModel(LOCAL_MODEL_NAME, 1, LOCAL_DIMENSION)  # what migration 0015 registers


async def search(
    session: AsyncSession,
    scope: ProjectScope,
    settings: SearchSettings,
    text: str,
    vector: list[float],
    mode: str,
    filters: dict[str, object],
) -> list[HitRow]:
    search_filters = SearchFilters.model_validate(filters)
    chunks = keyed_chunk_conditions(scope, search_filters, list(SearchSource))  # the API's default
    conditions = list(chunks.where)
    limit = settings.search_candidates
    await search_repository.tune(
        session,
        ef_search=settings.search_ef_search,
        max_scan_tuples=settings.search_max_scan_tuples,
        trigram_threshold=settings.search_trigram_threshold,
    )
    components: dict[str, list[Candidate]] = {}
    if mode != "keyword":
        components["semantic"] = await search_repository.semantic(
            session,
            vector=vector,
            model=MODEL,
            conditions=conditions,
            limit=limit,
            exact_below=settings.search_exact_scan_below,
        )
    if mode != "semantic":
        components["keyword"] = await keyword_repository.search(
            session,
            query=text,
            config=settings.search_text_config,
            conditions=chunks,
            vocabulary=keyed_chunk_conditions(scope, SearchFilters(), list(SearchSource)),
            limit=limit,
            bounds=KeywordBounds.configured(settings),
            typo=TypoFallback(
                below=settings.search_typo_fallback_below,
                max_words=settings.search_typo_max_words,
                candidates=settings.search_typo_candidates,
            ),
        )
        lifted = await search_repository.lifted_conversations(
            session,
            query=text,
            terms=lift_terms(text),
            conditions=keyed_conversation_conditions(scope, search_filters),
            limit=limit,
        )
        representatives = await search_repository.representative_chunks(
            session,
            conversation_ids=list(lifted),
            conditions=conditions,
            vector=vector if mode != "keyword" else None,
            model=MODEL,
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
    ranked = rank(components, fusion_plan(settings, settings.search_fusion), by_conversation=False)
    if settings.search_second_stage_depth and mode == "hybrid":
        stage = SecondStage(settings.search_second_stage_depth, settings.search_outcome_weight)
        features = await second_stage_repository.features(
            session, chunk_ids=[hit.chunk_id for hit in ranked[: stage.depth]]
        )
        ranked = stage.reorder(ranked, features)
    rows = await hit_repository.hydrate(
        session,
        chunk_ids=[hit.chunk_id for hit in ranked[:10]],
        query=text if mode != "semantic" else None,
        config=settings.search_text_config,
    )
    return list(rows.values())
