"""Query vectors from the configured provider, with a small LRU cache for repeated queries."""

from __future__ import annotations

from collections import OrderedDict

from parley_embeddings.provider import EmbeddingProvider


class QueryEmbedder:
    def __init__(self, *, provider: EmbeddingProvider, cache_size: int) -> None:
        self._provider = provider
        self._cache_size = cache_size
        self._cache: OrderedDict[str, list[float]] = OrderedDict()

    @property
    def model_name(self) -> str:
        return self._provider.model_name

    async def embed(self, query: str) -> list[float]:
        cached = self._cache.get(query)
        if cached is not None:
            self._cache.move_to_end(query)
            return cached
        (vector,) = await self._provider.embed([query])
        if self._cache_size:
            self._cache[query] = vector
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return vector
