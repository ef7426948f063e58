"""The running ingest app reads contact labels in the background: a ``contact_updated``
webhook, then the labels from a fake Chatwoot REST API served over real HTTP."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn
from parley_ingest.settings import IngestSettings
from parley_ingest_testkit import API_TOKEN, FakeChatwoot, RunningApp
from parley_schema.models import CwContact
from parley_testing.postgres import free_port
from pydantic import HttpUrl, SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

CONTACT = 777001


@pytest.fixture
def fake() -> Iterator[tuple[FakeChatwoot, str]]:
    fake = FakeChatwoot(contact_labels={CONTACT: ["hot-lead", "qualified-lead"]})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(fake.app(), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "fake Chatwoot did not start"
        time.sleep(0.02)
    yield fake, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


async def test_a_contact_update_brings_its_labels_in_the_background(
    fake: tuple[FakeChatwoot, str],
    ingest_settings: IngestSettings,
    running_app: RunningApp,
    make_signed_headers: Callable[..., dict[str, str]],
    fixture_bodies: dict[str, dict[str, Any]],
    db_engine: AsyncEngine,
) -> None:
    chatwoot, url = fake
    settings = ingest_settings.model_copy(
        update={
            "chatwoot_base_url": HttpUrl(url),
            "chatwoot_api_token": SecretStr(API_TOKEN),
            "contact_labels_interval_s": 0.2,
        }
    )
    body = json.dumps(fixture_bodies["12_contact_updated"] | {"id": CONTACT}).encode()
    async with running_app(settings) as client:
        response = await client.post(
            "/v1/webhooks/chatwoot", content=body, headers=make_signed_headers(body)
        )
        assert response.status_code == 200, response.text
        labels = None
        deadline = time.monotonic() + 15
        while labels is None and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
            async with db_engine.connect() as connection:
                labels = await connection.scalar(
                    select(CwContact.labels).where(CwContact.id == f"cwc:1:{CONTACT}")
                )
    assert labels == ["hot-lead", "qualified-lead"]
    assert [entry[2] for entry in chatwoot.requests] == [{"contact": str(CONTACT)}]
