"""The embedding model search uses: ``embedding_models``' active row, kept a few seconds.

The database records it, so ``parley embeddings use`` flips every replica within
``SEARCH_MODEL_CACHE_S`` without a restart or a signal; between refreshes a search costs no
statement for it. A query is embedded by the provider of that model (``QueryEmbedder``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from parley_embeddings.provider import EmbeddingProvider
from parley_schema.vector_slots import SlotModel, registered_models
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.search.errors import ModelUnavailable
from parley_search_api.search.query_embedding import QueryEmbedder


@dataclass(frozen=True)
class SearchModel:
    """The active model's vectors (its slot) and the embedder of its queries."""

    vectors: SlotModel
    embedder: QueryEmbedder


class ActiveModel:
    def __init__(
        self,
        *,
        providers: Mapping[str, EmbeddingProvider],
        cache_size: int,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._embedders = {
            name: QueryEmbedder(provider=provider, cache_size=cache_size)
            for name, provider in providers.items()
        }
        self._ttl_s = ttl_s
        self._clock = clock
        self._current: SlotModel | None = None
        self._read_at = float("-inf")

    async def get(self, session: AsyncSession) -> SearchModel:
        """The active model; read from the database when the kept one is older than the TTL.

        A read commits its transaction, so the connection goes back to the pool while the
        query is embedded (as ``AccessService.scope_for`` does)."""
        if self._current is None or self._clock() - self._read_at >= self._ttl_s:
            models = await registered_models(session)
            await session.commit()
            active = next((m for m in models if m.active), None)
            if active is None:
                raise ModelUnavailable("no embedding model is active; run `parley migrate`")
            self._current = SlotModel(active.name, active.slot, active.dimension)
            self._read_at = self._clock()
        embedder = self._embedders.get(self._current.name)
        if embedder is None:
            raise ModelUnavailable(
                f"search uses {self._current.name}, which this search-api cannot embed "
                "queries with; configure it (PARLEY_EMBEDDING_MODEL) or `parley embeddings use` "
                "another model"
            )
        return SearchModel(self._current, embedder)
