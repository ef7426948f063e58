"""Metrics a delivery moves, and readiness that follows the database."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from parley_ingest.main import create_app
from parley_ingest.settings import IngestSettings
from parley_ingest_testkit import SignedPost
from parley_testing.postgres import free_port

MESSAGE = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "02_message_created_incoming.json").read_text()
)


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    label_text = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = re.escape(f"{name}{{{label_text}}}" if labels else name) + r" ([0-9.e+-]+)"
    found = re.search(rf"^{pattern}$", metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_deliveries_are_counted_by_event_and_outcome_and_timed(
    client: httpx.AsyncClient, post_signed: SignedPost
) -> None:
    before = (await client.get("/metrics")).text
    await post_signed(MESSAGE)
    await post_signed(MESSAGE, secret="wrong")
    await post_signed({"event": "conversation_typing_on"})
    after = (await client.get("/metrics")).text

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    received = "parley_ingest_webhooks_received_total"
    assert moved(received, event="message_created", outcome="stored") == 1
    assert moved(received, event="other", outcome="bad_signature") == 1
    assert moved(received, event="conversation_typing_on", outcome="ignored") == 1
    assert moved("parley_ingest_normalize_seconds_count") == 1
    assert "parley_ingest_outbox_backlog " in after
    assert "parley_ingest_outbox_oldest_age_seconds " in after
    assert "parley_ingest_outbox_publish_failures_total" in after


async def test_readyz_fails_when_the_database_is_unreachable(
    ingest_settings: IngestSettings,
) -> None:
    unreachable = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/parley"
    app = create_app(ingest_settings.model_copy(update={"database_url": unreachable}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as http:
            ready = await http.get("/readyz")
            alive = await http.get("/healthz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] != "ok"
    assert alive.status_code == 200
