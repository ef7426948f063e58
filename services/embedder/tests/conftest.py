"""Fixtures for the embedder: the real local model, a fake OpenAI-compatible server, a private
RabbitMQ vhost per test module, and committed cw_* rows."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from parley_embeddings.local import LocalProvider
from parley_embeddings.testing.fake_openai_server import FakeOpenAIServer, FakeServerState
from parley_schema.settings import ParleyBaseSettings
from parley_testing.broker import drop_vhost, private_vhost, require_broker
from sqlalchemy.ext.asyncio import AsyncEngine

sys.path.insert(0, str(Path(__file__).parent / "kit"))

from parley_embedder_testkit import Rows


@pytest.fixture(scope="session")
def local_provider() -> LocalProvider:
    return LocalProvider()


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(FakeServerState(dimension=384)) as server:
        yield server


@pytest.fixture(scope="module")
def embedder_amqp_url() -> Iterator[str]:
    """A vhost of this module's own: the real queue names, no other suite's messages."""
    base_url = str(ParleyBaseSettings().amqp_url)
    require_broker(base_url)
    vhost, url = private_vhost(base_url)
    yield url
    drop_vhost(vhost)


@pytest.fixture
def rows(db_engine: AsyncEngine) -> Rows:
    return Rows(db_engine)
