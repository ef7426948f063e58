"""Query vectors come from the real model, and repeated queries from the LRU cache."""

from __future__ import annotations

import math

from parley_embeddings.local import LocalProvider
from parley_search_api.search.query_embedding import QueryEmbedder


async def test_repeated_queries_are_served_from_the_cache(provider: LocalProvider) -> None:
    embedder = QueryEmbedder(provider=provider, cache_size=2)

    first = await embedder.embed("refund for a double charge")
    again = await embedder.embed("refund for a double charge")

    assert again is first
    assert len(first) == provider.dimension
    assert math.isclose(math.fsum(x * x for x in first), 1.0, rel_tol=1e-4)


async def test_the_least_recently_used_query_is_evicted(provider: LocalProvider) -> None:
    embedder = QueryEmbedder(provider=provider, cache_size=2)
    a = await embedder.embed("a")
    await embedder.embed("b")
    await embedder.embed("a")  # a is now the most recent
    await embedder.embed("c")  # evicts b

    assert await embedder.embed("a") is a
    b_again = await embedder.embed("b")
    assert await embedder.embed("b") is b_again
    assert embedder.model_name == provider.model_name
