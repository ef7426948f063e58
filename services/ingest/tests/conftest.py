"""Fixtures of the ingest tests: settings, the app, signed Chatwoot deliveries."""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from parley_ingest.main import create_app
from parley_ingest.settings import IngestSettings
from parley_ingest.webhooks.signing import sign
from parley_runtime.database import get_session
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).parent / "kit"))

from parley_ingest_testkit import RunningApp, SignedPost

SECRET = "whsec-test-account-1"
URL_TOKEN = "url-token-account-2-0123456789abcdef"


def ingest_settings_for(database_url: str, amqp_url: str, **overrides: Any) -> IngestSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "amqp_url": amqp_url,
        "chatwoot_webhook_secrets": {1: SecretStr(SECRET)},
        "chatwoot_webhook_url_tokens": {2: SecretStr(URL_TOKEN)},
        "outbox_poll_interval_s": 0.2,
        "outbox_max_backoff_s": 0.5,
        "log_format": "json",
    }
    return IngestSettings(**(values | overrides))


@pytest.fixture(scope="module")
def ingest_settings(database_url: str, amqp_url: str) -> IngestSettings:
    return ingest_settings_for(database_url, amqp_url)


async def app_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://ingest") as client:
            yield client


@pytest.fixture
async def client(
    ingest_settings: IngestSettings, db_session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with each request's session inside the test's rolled-back transaction.

    Each request runs in a savepoint that is released on success and rolled back on any
    error, as the real session dependency commits or rolls back.
    """
    app = create_app(ingest_settings)

    async def session_in_savepoint() -> AsyncIterator[AsyncSession]:
        async with db_session.begin_nested():
            yield db_session

    app.dependency_overrides[get_session] = session_in_savepoint
    async for http in app_client(app):
        yield http


def signed_headers(
    body: bytes,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    delivery_id: str | None = None,
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "content-type": "application/json",
        "x-chatwoot-signature": sign(secret, stamp, body),
        "x-chatwoot-timestamp": stamp,
        "x-chatwoot-delivery": delivery_id or str(uuid.uuid4()),
    }


@pytest.fixture
def post_signed(client: httpx.AsyncClient) -> SignedPost:
    """POST a body (dict or bytes) as Chatwoot would, signed for account 1."""

    async def post(payload: dict[str, Any] | bytes, **header_options: Any) -> httpx.Response:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        return await client.post(
            "/v1/webhooks/chatwoot", content=body, headers=signed_headers(body, **header_options)
        )

    return post


@pytest.fixture
def make_signed_headers() -> Callable[..., dict[str, str]]:
    """Headers of a delivery signed for account 1 (for clients the test builds itself)."""
    return signed_headers


@pytest.fixture
def fixture_bodies() -> dict[str, dict[str, Any]]:
    """Every Chatwoot fixture body by name, in the order Chatwoot would send them."""
    folder = Path(__file__).parent / "fixtures"
    return {path.stem: json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))}


@pytest.fixture
def settings_for(database_url: str) -> Callable[..., IngestSettings]:
    """Settings on this module's database and the given broker URL."""

    def build(amqp_url: str, **overrides: Any) -> IngestSettings:
        return ingest_settings_for(database_url, amqp_url, **overrides)

    return build


@pytest.fixture
def running_app() -> RunningApp:
    """The real app (committing sessions, relay running) and a client, for the block."""

    @asynccontextmanager
    async def run(settings: IngestSettings) -> AsyncIterator[httpx.AsyncClient]:
        async for client in app_client(create_app(settings)):
            yield client

    return run
