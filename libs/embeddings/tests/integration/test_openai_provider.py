"""The OpenAI-compatible provider against a local fake server over real HTTP."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest
from parley_embeddings.errors import PermanentEmbeddingError, TransientEmbeddingError
from parley_embeddings.openai_compatible import OpenAICompatibleProvider, RequestLimits
from parley_embeddings.testing.fake_openai_server import (
    FakeOpenAIServer,
    FakeServerState,
    ScriptedFailure,
    fake_vector,
)
from parley_testing.postgres import free_port


def approx_vectors(expected: list[list[float]]) -> list[object]:
    return [pytest.approx(vector) for vector in expected]


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(FakeServerState(dimension=8, api_key="sk-test")) as fake:
        yield fake


def provider_for(
    server: FakeOpenAIServer,
    *,
    model: str = "text-embedding-3-small",
    dimension: int = 8,
    api_key: str = "sk-test",
    limits: RequestLimits | None = None,
) -> OpenAICompatibleProvider:
    return OpenAICompatibleProvider.connect(
        model=model, dimension=dimension, api_key=api_key, base_url=server.base_url, limits=limits
    )


async def test_vectors_come_back_normalised_and_in_input_order(server: FakeOpenAIServer) -> None:
    vectors = await provider_for(server).embed(["refund please", "printer jam"])
    assert vectors == approx_vectors(
        [fake_vector("refund please", 8), fake_vector("printer jam", 8)]
    )
    assert all(math.isclose(sum(x * x for x in v), 1.0) for v in vectors)


async def test_dimensions_are_requested_from_models_that_support_them(
    server: FakeOpenAIServer,
) -> None:
    await provider_for(server, model="text-embedding-3-large").embed(["a"])
    await provider_for(server, model="bge-small").embed(["b"])
    assert server.state.requests[0]["dimensions"] == 8
    assert "dimensions" not in server.state.requests[1]
    assert {r["encoding_format"] for r in server.state.requests} == {"float"}


async def test_requests_are_split_by_input_count_and_size(server: FakeOpenAIServer) -> None:
    limits = RequestLimits(max_inputs=3, max_tokens=10)
    texts = ["aaaa", "bbbb", "cc", "d", "e", "ffffffffff", "g"]
    vectors = await provider_for(server, limits=limits).embed(texts)
    assert vectors == approx_vectors([fake_vector(t, 8) for t in texts])
    assert [r["input"] for r in server.state.requests] == [
        ["aaaa", "bbbb", "cc"],
        ["d", "e"],
        ["ffffffffff"],
        ["g"],
    ]


async def test_rate_limit_is_transient_and_carries_retry_after(server: FakeOpenAIServer) -> None:
    server.fail_next(ScriptedFailure(429, retry_after="2"))
    with pytest.raises(TransientEmbeddingError) as caught:
        await provider_for(server).embed(["x"])
    assert caught.value.retry_after_s == 2.0
    assert await provider_for(server).embed(["x"]) == approx_vectors([fake_vector("x", 8)])


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_transient(server: FakeOpenAIServer, status: int) -> None:
    server.fail_next(ScriptedFailure(status))
    with pytest.raises(TransientEmbeddingError) as caught:
        await provider_for(server).embed(["x"])
    assert caught.value.retry_after_s is None


async def test_bad_credentials_are_permanent(server: FakeOpenAIServer) -> None:
    with pytest.raises(PermanentEmbeddingError, match="401: Incorrect API key"):
        await provider_for(server, api_key="sk-wrong").embed(["x"])


async def test_a_rejected_request_is_permanent(server: FakeOpenAIServer) -> None:
    server.state.max_inputs = 1
    with pytest.raises(PermanentEmbeddingError, match="400: too many inputs"):
        await provider_for(server).embed(["x", "y"])


async def test_an_empty_text_is_refused_before_any_request(server: FakeOpenAIServer) -> None:
    with pytest.raises(PermanentEmbeddingError, match="empty"):
        await provider_for(server).embed(["x", ""])
    assert server.state.requests == []


async def test_a_wrong_dimension_is_permanent(server: FakeOpenAIServer) -> None:
    with pytest.raises(PermanentEmbeddingError, match="returned 8-d vectors, expected 16"):
        await provider_for(server, model="bge-small", dimension=16).embed(["x"])


async def test_an_unreachable_server_is_transient() -> None:
    provider = OpenAICompatibleProvider.connect(
        model="m", dimension=8, api_key="k", base_url=f"http://127.0.0.1:{free_port()}/v1"
    )
    with pytest.raises(TransientEmbeddingError, match="unreachable"):
        await provider.embed(["x"])


async def test_slow_server_times_out_as_transient(server: FakeOpenAIServer) -> None:
    server.state.latency_s = 0.5
    provider = provider_for(server, limits=RequestLimits(timeout_s=0.1))
    with pytest.raises(TransientEmbeddingError):
        await provider.embed(["x"])


def test_token_estimate_grows_with_text(server: FakeOpenAIServer) -> None:
    provider = provider_for(server)
    assert provider.count_tokens("four") == 1
    assert provider.count_tokens("a" * 400) == 100
