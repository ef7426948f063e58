"""Prometheus metrics of the ingest service (served on ``/metrics`` with the HTTP ones)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from parley_ingest.normalization.chatwoot_events import STORED_EVENTS

# Acknowledged without storing them (DESIGN.md); any other name is counted as "other".
IGNORED_EVENTS = frozenset(
    {
        "webwidget_triggered",
        "conversation_typing_on",
        "conversation_typing_off",
        "inbox_created",
        "inbox_updated",
        "conversation_opened",
        "conversation_resolved",
    }
)

WEBHOOKS_RECEIVED = Counter(
    "parley_ingest_webhooks_received_total",
    "Webhook deliveries by Chatwoot event and outcome (stored, unchanged, duplicate, "
    "ignored, or the error code of a refusal).",
    ["event", "outcome"],
)
NORMALIZE_SECONDS = Histogram(
    "parley_ingest_normalize_seconds",
    "Time to validate, normalize and write one delivery's rows and events.",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
)
OUTBOX_BACKLOG = Gauge("parley_ingest_outbox_backlog", "Unpublished rows in event_outbox.")
OUTBOX_OLDEST_AGE = Gauge(
    "parley_ingest_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row."
)
OUTBOX_PUBLISHED = Counter(
    "parley_ingest_outbox_published_total", "Events the broker confirmed.", ["routing_key"]
)
OUTBOX_PUBLISH_FAILURES = Counter(
    "parley_ingest_outbox_publish_failures_total",
    "Publishes that failed (broker unreachable, nack, unroutable).",
    ["reason"],
)


def event_label(event: str | None) -> str:
    """A bounded label: a known Chatwoot event name, else ``other``."""
    if event in STORED_EVENTS or event in IGNORED_EVENTS:
        return event
    return "other"


# The data lifecycle (reconcile, retention, erasure): rows removed by table.
LIFECYCLE_KINDS = ("contacts", "conversations", "messages", "chunks", "outbox_events")
RECONCILE_REMOVED = Counter(
    "parley_ingest_reconcile_removed_total",
    "Rows reconcile removed because Chatwoot no longer has them, by table.",
    ["kind"],
)
RECONCILE_REPOINTED = Counter(
    "parley_ingest_reconcile_repointed_total",
    "Conversations reconcile moved to the contact Chatwoot merged their contact into.",
)
RETENTION_DELETED = Counter(
    "parley_ingest_retention_deleted_total",
    "Rows the retention job deleted as older than their account's window, by table.",
    ["kind"],
)
ERASURES = Counter("parley_ingest_erasures_total", "Contacts erased (CLI or API).")
QUARANTINE_REFUSED = Counter(
    "parley_ingest_quarantine_refused_total",
    "Rows a webhook or backfill brought for an erased contact in quarantine, not stored.",
    ["kind"],
)
