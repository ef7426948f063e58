"""search-api settings: fusion, index scan knobs, keyword search and deep links."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Annotated

from parley_authn.settings import SessionSettings
from parley_runtime.audit.settings import AuditSettings
from parley_schema.settings import load_settings_or_exit
from pydantic import Field, HttpUrl


class FusionMethod(StrEnum):
    CONVEX = "convex"  # weighted sum of each component's confidence (the measured default)
    RRF = "rrf"  # reciprocal rank fusion


class TextSearchConfig(StrEnum):
    """Postgres text-search configurations with an index on chunk text (migration 0003)."""

    ENGLISH = "english"
    SIMPLE = "simple"  # no stemming or stop words: other languages, codes, names


Weight = Annotated[float, Field(ge=0.0, le=1.0)]


class SearchSettings(SessionSettings, AuditSettings):  # both are auth's too
    # No ping round trips per request: the first statement (the credential lookup) runs
    # once more when its pooled connection turns out dead (access/service.py).
    db_pool_pre_ping: bool = False
    search_fusion: FusionMethod = FusionMethod.CONVEX
    search_dense_weight: Weight = 0.8  # convex: keyword weight is 1 - this (bench/quality)
    search_lift_weight: Weight = 0.3  # contact / display-id matches, added on top
    # similar conversations: side-mean similarity vs whole-conversation keyword (bench/quality)
    search_similar_dense_weight: Weight = 0.9
    search_rrf_k: Annotated[int, Field(ge=1, le=1000)] = 60
    search_candidates: Annotated[int, Field(ge=10, le=1000)] = 100  # per component
    # Full-text matches ranked per query at most (a common word matches most of the table).
    search_keyword_rank_limit: Annotated[int, Field(ge=100, le=1_000_000)] = 2000
    # A query word in at least this many chunks is common: it scores, but selects no chunks
    # (search/keyword.py; its count stops here).
    search_keyword_common_postings: Annotated[int, Field(ge=10, le=1_000_000)] = 1000
    # The second stage (search/second_stage.py): hits reordered (0: none), and the bonus of a
    # resolved conversation with a public agent reply (bench/quality).
    search_second_stage_depth: Annotated[int, Field(ge=0, le=1000)] = 30
    search_outcome_weight: Weight = 0.1
    search_ef_search: Annotated[int, Field(ge=10, le=1000)] = 400  # recall@10 ≥ 0.95 at 1M
    # Semantic search compares exactly when a filter leaves at most this many chunks
    # (the planner's estimate; 0: always the HNSW index). See SearchRepository.semantic.
    search_exact_scan_below: Annotated[int, Field(ge=0, le=1_000_000)] = 30_000
    search_max_scan_tuples: Annotated[int, Field(ge=1000)] = 20_000
    search_text_config: TextSearchConfig = TextSearchConfig.ENGLISH
    search_typo_fallback_below: Annotated[int, Field(ge=0, le=1000)] = 10  # 0: never
    # The typo fallback's bounds (search/typo_fallback.py): queries of at most this many
    # words, and trigram matches scored at most per query.
    search_typo_max_words: Annotated[int, Field(ge=1, le=50)] = 4
    search_typo_candidates: Annotated[int, Field(ge=10, le=100_000)] = 500
    search_trigram_threshold: Annotated[float, Field(gt=0.0, le=1.0)] = 0.6
    search_query_cache_size: Annotated[int, Field(ge=0, le=100_000)] = 1024
    # How long the active embedding model (embedding_models) is kept before it is read again
    search_model_cache_s: Annotated[float, Field(ge=0, le=3600)] = 5.0
    search_conversation_max_messages: Annotated[int, Field(ge=1, le=10_000)] = 1000
    chatwoot_base_url: HttpUrl | None = None  # deep links; the panel's only framing origin
    # Where the web UI reaches auth; None: its own origin (deploy/Caddyfile routes /v1/auth/*
    # of search-api's address to auth). ``parley up`` sets auth's own URL.
    app_auth_url: HttpUrl | None = None


@lru_cache
def get_settings() -> SearchSettings:
    return load_settings_or_exit(SearchSettings)
