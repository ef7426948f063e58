"""Embedder settings (``PARLEY_*`` environment variables), read once at start."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Annotated

from parley_schema.settings import ParleyBaseSettings, load_settings_or_exit
from pydantic import Field, model_validator

PositiveInt = Annotated[int, Field(ge=1)]
Seconds = Annotated[float, Field(gt=0)]


class EmbedderSettings(ParleyBaseSettings):
    # Batching across messages: one model call per batch_size texts or batch_wait_ms.
    batch_size: Annotated[int, Field(ge=1, le=2048)] = 64
    batch_wait_ms: Annotated[float, Field(ge=0, le=10_000)] = 50
    # Model calls under way at once: the next call starts before the last one returns, so
    # the model (its workers, or a remote server) never idles between calls.
    embed_calls_in_flight: Annotated[int, Field(ge=1, le=64)] = 2
    # The local model runs one pass per CPU at once, each on one thread (see README).
    local_model_workers: Annotated[int, Field(ge=1, le=256)] = Field(
        default_factory=lambda: len(os.sched_getaffinity(0))
    )
    # Unacked messages per replica; None means a batch more than the calls in flight hold,
    # so the next batch fills while they run (see README, "Batching").
    prefetch_count: PositiveInt | None = None

    # Chunking, in the provider's tokens.
    chunk_max_tokens: PositiveInt = 200
    chunk_overlap_tokens: Annotated[int, Field(ge=0)] = 32

    # What gets embedded. Private notes: yes (search hides them unless asked).
    # Activity messages ("Conversation was resolved by …"): no, they are noise for search.
    embed_private_notes: bool = True
    embed_activity_messages: bool = False

    # Provider failures: attempts per batch, exponential backoff with full jitter.
    embed_max_attempts: Annotated[int, Field(ge=1, le=20)] = 5
    retry_base_s: Seconds = 0.5
    retry_max_s: Seconds = 30.0

    # Unexpected failures (database or broker down): wait this long, then nack with requeue,
    # so the queue's delivery limit spans an outage instead of burning out in milliseconds.
    requeue_delay_s: Annotated[float, Field(ge=0, le=300)] = 5.0

    # Sweeper: chunks pending/processing longer than stuck_after_s are re-queued.
    sweep_interval_s: Seconds = 30.0
    stuck_after_s: Seconds = 300.0
    sweep_batch: PositiveInt = 500

    # Embedding models (embedding_models): how often the registered ones are re-read, and
    # the back-fill of an added model's vectors (`parley embeddings add-model`): chunks per
    # model call and at most this many chunks a second, so live embedding keeps its share.
    models_refresh_s: Seconds = 5.0
    model_backfill_interval_s: Seconds = 10.0
    model_backfill_batch: Annotated[int, Field(ge=1, le=2048)] = 64
    model_backfill_rate: Annotated[float, Field(gt=0, le=100_000)] = 50.0

    # Prometheus metrics on this port; 0 turns the metrics server off.
    metrics_port: Annotated[int, Field(ge=0, le=65535)] = 9101
    metrics_host: str = "127.0.0.1"

    # OpenAI-compatible request limits (OpenAI's documented ones by default).
    openai_max_inputs: PositiveInt = 2048
    openai_max_request_tokens: PositiveInt = 300_000
    openai_timeout_s: Seconds = 30.0

    @model_validator(mode="after")
    def _overlap_below_size(self) -> EmbedderSettings:
        if self.chunk_overlap_tokens >= self.chunk_max_tokens:
            raise ValueError("chunk_overlap_tokens must be below chunk_max_tokens")
        return self

    @property
    def effective_prefetch(self) -> int:
        return self.prefetch_count or (self.embed_calls_in_flight + 1) * self.batch_size


@lru_cache(maxsize=1)
def get_settings() -> EmbedderSettings:
    return load_settings_or_exit(EmbedderSettings)
