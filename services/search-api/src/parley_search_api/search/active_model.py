"""The embedding model search uses: ``embedding_models``' active row, kept a few seconds.

The database records it, so ``parley embeddings use`` flips every replica within
``SEARCH_MODEL_CACHE_S`` without a restart or a signal; between refreshes a search costs no
statement for it. A query is embedded by the provider of that model: the configured one, or
for another model the catalogue's, loaded in a worker thread as soon as the model is held
(``parley embeddings add-model``), so it is ready when search switches to it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from parley_embeddings.catalogue import UnknownModelError, catalogue_model
from parley_embeddings.provider import EmbeddingProvider
from parley_schema.settings import ParleyBaseSettings
from parley_schema.vector_slots import SlotModel, registered_models
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.search.errors import ModelUnavailable
from parley_search_api.search.query_embedding import QueryEmbedder

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SearchModel:
    """The active model's vectors (its slot) and the embedder of its queries."""

    vectors: SlotModel
    embedder: QueryEmbedder


@dataclass(frozen=True)
class QueryVector:
    """A query's embedding and the model (slot) whose vectors it is compared with."""

    model: SlotModel
    values: list[float]


class ActiveModel:
    def __init__(
        self,
        *,
        configured: EmbeddingProvider,
        settings: ParleyBaseSettings,
        cache_size: int,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._cache_size = cache_size
        self._embedders = {configured.model_name: self._embedder(configured)}
        self._loading: dict[str, asyncio.Task[None]] = {}
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
            for model in models:
                self._start_loading(model.name)
            active = next((m for m in models if m.active), None)
            if active is None:
                raise ModelUnavailable("no embedding model is active; run `parley migrate`")
            self._current = SlotModel(active.name, active.slot, active.dimension)
            self._read_at = self._clock()
        name = self._current.name
        if name not in self._embedders and name in self._loading:
            await asyncio.shield(self._loading[name])
        embedder = self._embedders.get(name)
        if embedder is None:
            raise ModelUnavailable(
                f"search uses {name}, which this search-api cannot embed queries with: "
                "configure it (PARLEY_EMBEDDING_MODEL) or `parley embeddings use` another model"
            )
        return SearchModel(self._current, embedder)

    def _embedder(self, provider: EmbeddingProvider) -> QueryEmbedder:
        return QueryEmbedder(provider=provider, cache_size=self._cache_size)

    def _start_loading(self, name: str) -> None:
        if name in self._embedders or name in self._loading:
            return
        self._loading[name] = asyncio.create_task(self._load(name), name=f"load-{name}")

    async def _load(self, name: str) -> None:
        try:
            model = catalogue_model(name)
        except UnknownModelError:
            log.warning("embedding_model_unavailable", model=name)
            return
        try:
            provider = await asyncio.to_thread(model.load, self._settings)
        except (OSError, RuntimeError, ValueError) as error:  # then searches answer 503
            log.error("embedding_model_load_failed", model=name, error_type=type(error).__name__)
            return
        self._embedders[name] = self._embedder(provider)
        log.info("embedding_model_loaded", model=name)
