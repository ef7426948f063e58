"""Fixtures for the embedder: the real local model, a fake OpenAI-compatible server and committed
cw_* rows (a RabbitMQ vhost per module is the shared plugin's ``module_amqp_url``)."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from parley_embedder.runtime import EmbedderRuntime
from parley_embedder.settings import EmbedderSettings
from parley_embeddings.local import LocalProvider
from parley_embeddings.testing.fake_openai_server import FakeOpenAIServer, FakeServerState
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


@pytest.fixture
def rows(db_engine: AsyncEngine) -> Rows:
    return Rows(db_engine)


@pytest.fixture
async def runtime(
    settings: EmbedderSettings, local_provider: LocalProvider
) -> AsyncIterator[EmbedderRuntime]:
    """An embedder (no broker) with the module's ``settings`` and the local model."""
    runtime = EmbedderRuntime.build(settings, local_provider)
    yield runtime
    await runtime.after_broker_stop()
