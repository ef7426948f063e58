"""search-api settings: fusion, index scan knobs, keyword search and deep links."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from typing import Annotated

from parley_authn.settings import SessionSettings
from parley_chatwoot import ChatwootApiSettings
from parley_runtime.audit.settings import AuditSettings
from parley_schema.redaction import PhoneRegion, RedactorName, RedactorNames
from parley_schema.settings import load_settings_or_exit
from pydantic import BeforeValidator, Field, HttpUrl, SecretStr
from pydantic_settings import NoDecode

from parley_search_api.answers.phrases import DEFAULT_NEGATIVE_WORDS, DEFAULT_TRIGGER_PHRASES


class FusionMethod(StrEnum):
    CONVEX = "convex"  # weighted sum of each component's confidence (the measured default)
    RRF = "rrf"  # reciprocal rank fusion


class TextSearchConfig(StrEnum):
    """Postgres text-search configurations with an index on chunk text (migration 0003)."""

    ENGLISH = "english"
    SIMPLE = "simple"  # no stemming or stop words: other languages, codes, names


class GeneratorName(StrEnum):
    """Who writes an answer's draft (answers/generators.py)."""

    EXTRACTIVE = "extractive"  # offline: retrieved sentences, each cited
    LLM = "llm"  # an OpenAI-compatible chat model, its citations checked


Weight = Annotated[float, Field(ge=0.0, le=1.0)]


def _comma_separated_phrases(value: object) -> object:
    if isinstance(value, str):
        return [phrase.strip() for phrase in value.split(",") if phrase.strip()]
    return value


# A list of phrases: comma-separated in the environment (``refund*,chargeback,geld zurück``).
Phrases = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=200)]],
    NoDecode,
    BeforeValidator(_comma_separated_phrases),
]


class SearchSettings(SessionSettings, AuditSettings, ChatwootApiSettings):  # 1, 2: auth's too
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
    # A query of common words alone ranks at most this many of the chunks that have them all
    # (alike in rarity, and which ones the index yields first is arbitrary; bench/search).
    search_keyword_common_rank_limit: Annotated[int, Field(ge=100, le=1_000_000)] = 400
    # The second stage (search/second_stage.py): hits reordered (0: none), and the bonus of a
    # resolved conversation with a public agent reply (bench/quality).
    search_second_stage_depth: Annotated[int, Field(ge=0, le=1000)] = 30
    search_outcome_weight: Weight = 0.1
    search_ef_search: Annotated[int, Field(ge=10, le=1000)] = 400  # recall@10 ≥ 0.95 at 1M
    # Semantic search scans every chunk a filter leaves when at most this many (the planner's
    # estimate; 0: always the HNSW index). See SearchRepository.semantic.
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
    # Where the web UI reaches auth; None: its own origin (deploy/Caddyfile routes /v1/auth/*
    # of search-api's address to auth). ``parley up`` sets auth's own URL.
    app_auth_url: HttpUrl | None = None
    # Suggestions pushed into Chatwoot (suggestions/, with PARLEY_SUGGEST_ENABLED): at most
    # one private note per conversation per interval; a message older than the age limit when
    # it is handled (a backfill, a late replay) gets none.
    suggest_interval_s: Annotated[int, Field(ge=1, le=7 * 86400)] = 300
    suggest_max_message_age_s: Annotated[int, Field(ge=1, le=7 * 86400)] = 900

    # Answer drafts (answers/): the generator used when a request names none, the passages
    # retrieved per side (past agent replies, knowledge), and the customer messages of a
    # conversation its question is built from (the latest ones).
    answers_generator: GeneratorName = GeneratorName.EXTRACTIVE
    answers_passages: Annotated[int, Field(ge=1, le=20)] = 3
    answers_question_messages: Annotated[int, Field(ge=1, le=50)] = 3
    # Escalation (answers/escalation.py): a retrieval confidence below this recommends a
    # handoff (seed 001: a best knowledge score below 0.5), and so does any trigger phrase or
    # negative word in the customer's text. Setting a list replaces its defaults.
    answers_min_confidence: Weight = 0.5
    answers_trigger_phrases: Phrases = Field(default_factory=lambda: list(DEFAULT_TRIGGER_PHRASES))
    answers_negative_words: Phrases = Field(default_factory=lambda: list(DEFAULT_NEGATIVE_WORDS))
    # The ``llm`` generator: any OpenAI-compatible ``/chat/completions`` (Ollama, vLLM,
    # OpenAI). ``llm_base_url`` ends before ``/chat/completions`` (e.g. http://ollama:11434/v1);
    # unset: ``llm`` falls back to extractive. Everything sent is redacted first.
    llm_base_url: HttpUrl | None = None
    llm_model: str = "qwen2.5:3b"
    llm_api_key: SecretStr | None = None
    llm_timeout_s: Annotated[float, Field(gt=0, le=600)] = 30.0
    llm_max_tokens: Annotated[int, Field(ge=16, le=8192)] = 512
    llm_redact: RedactorNames = Field(default_factory=lambda: list(RedactorName))
    llm_redact_phone_region: PhoneRegion = None


@lru_cache
def get_settings() -> SearchSettings:
    return load_settings_or_exit(SearchSettings)
