"""Prometheus metrics of the embedder, served on ``PARLEY_METRICS_PORT`` (default 9101).

Queue lag is measured two ways: the age of each event when it is handled (``occurred_at``
to now) and the number of messages ready in the queue (sampled by the sweeper loop).
"""

from __future__ import annotations

import structlog
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from parley_embedder.settings import EmbedderSettings

log = structlog.get_logger(__name__)

BATCH_SIZE = Histogram(
    "parley_embedder_batch_texts",
    "Texts per model call.",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
)
EMBED_LATENCY = Histogram(
    "parley_embedder_embed_seconds",
    "Duration of one successful model call.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CHUNKS_EMBEDDED = Counter(
    "parley_embedder_chunks_embedded_total", "Chunks stored as ready with a new vector."
)
CHUNKS_REUSED = Counter(
    "parley_embedder_chunks_reused_total", "Chunks that copied a stored vector of the same text."
)
EMBED_RETRIES = Counter("parley_embedder_embed_retries_total", "Model calls retried.")
MESSAGES = Counter("parley_embedder_messages_total", "Messages handled, by outcome.", ["outcome"])
DEAD_LETTERED = Counter(
    "parley_embedder_dead_lettered_total", "Messages rejected to the dead-letter queue."
)
EVENT_LAG = Histogram(
    "parley_embedder_event_lag_seconds",
    "Age of an event (occurred_at to handling).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
QUEUE_DEPTH = Gauge("parley_embedder_queue_messages", "Messages ready in the embedder queue.")
DLQ_DEPTH = Gauge(
    "parley_embedder_dlq_messages",
    "Messages in the dead-letter queue (ours and those the delivery limit moved there).",
)
BACKFILLED = Counter(
    "parley_embedder_backfilled_chunks_total",
    "Chunks given an added model's vector by the back-fill (parley embeddings add-model).",
    ["model"],
)
MODEL_COVERAGE = Gauge(
    "parley_embedder_model_coverage_ratio",
    "Share of the ready chunks holding each registered model's vector (as the back-fill saw it).",
    ["model"],
)
STUCK_REQUEUED = Counter(
    "parley_embedder_stuck_requeued_total", "Messages re-queued by the sweeper."
)


def serve(settings: EmbedderSettings) -> None:
    """Serve the metrics on ``metrics_host:metrics_port`` (port 0: not at all)."""
    if not settings.metrics_port:
        return
    try:
        start_http_server(settings.metrics_port, addr=settings.metrics_host)
    except OSError as error:  # e.g. a second replica on this host with the default port
        log.warning("metrics_unavailable", port=settings.metrics_port, error=str(error))
