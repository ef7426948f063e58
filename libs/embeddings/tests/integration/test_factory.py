"""build_provider picks and configures the provider the settings name."""

from __future__ import annotations

import pytest
from parley_embeddings.factory import build_provider
from parley_embeddings.openai_compatible import OpenAICompatibleProvider
from parley_embeddings.testing.fake_openai_server import (
    FakeOpenAIServer,
    FakeServerState,
    fake_vector,
)
from parley_schema.errors import ConfigurationError
from parley_schema.settings import ParleyBaseSettings


def approx_vectors(expected: list[list[float]]) -> list[object]:
    return [pytest.approx(vector) for vector in expected]


def test_local_provider_refuses_another_dimension() -> None:
    settings = ParleyBaseSettings(embedding_provider="local", embedding_dim=1536)
    with pytest.raises(ConfigurationError, match="PARLEY_EMBEDDING_DIM=384"):
        build_provider(settings)


def test_openai_provider_needs_a_key_or_a_server() -> None:
    settings = ParleyBaseSettings(
        embedding_provider="openai", embedding_model="text-embedding-3-small"
    )
    with pytest.raises(ConfigurationError, match="PARLEY_OPENAI_API_KEY"):
        build_provider(settings)


def test_openai_provider_refuses_the_local_model_name_for_openai_itself() -> None:
    settings = ParleyBaseSettings(embedding_provider="openai", openai_api_key="sk-x")
    with pytest.raises(ConfigurationError, match="text-embedding-3-small"):
        build_provider(settings)


async def test_openai_provider_talks_to_the_configured_server() -> None:
    with FakeOpenAIServer(FakeServerState(dimension=32)) as server:
        settings = ParleyBaseSettings(
            embedding_provider="openai",
            embedding_model="nomic-embed-text",
            embedding_dim=32,
            openai_base_url=server.base_url,
        )
        provider = build_provider(settings)
        assert isinstance(provider, OpenAICompatibleProvider)
        assert provider.model_name == "nomic-embed-text"
        assert await provider.embed(["hello"]) == approx_vectors([fake_vector("hello", 32)])
