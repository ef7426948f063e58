"""The embedding models search uses: ``embedding_models``' active row (and the model it is
fused with: the rows with a ``search_weight``), kept a few seconds.

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
from parley_schema.vector_slots import RegisteredModel, SlotModel, registered_models
from sqlalchemy.ext.asyncio import AsyncSession

from parley_search_api.search.dense import QueryVector
from parley_search_api.search.errors import ModelUnavailable
from parley_search_api.search.query_embedding import QueryEmbedder

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SearchModel:
    """A model search uses: its vectors (its slot), the embedder of its queries, and its share
    of the dense score (1.0 alone)."""

    vectors: SlotModel
    embedder: QueryEmbedder
    weight: float


@dataclass(frozen=True)
class SearchModels:
    """The active model, then the one search fuses with it, if any (``search.dense``)."""

    models: tuple[SearchModel, ...]

    @property
    def active(self) -> SearchModel:
        return self.models[0]

    async def embed(self, query: str) -> list[QueryVector]:
        """``query`` embedded by each model, at once (each provider has threads of its own)."""
        values = await asyncio.gather(*(model.embedder.embed(query) for model in self.models))
        return [
            QueryVector(model.vectors, vector, model.weight)
            for model, vector in zip(self.models, values, strict=True)
        ]


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
        self._current: tuple[tuple[SlotModel, float], ...] = ()
        self._read_at = float("-inf")

    async def get(self, session: AsyncSession) -> SearchModels:
        """The models search uses; read from the database when the kept ones are older than
        the TTL.

        A read commits its transaction, so the connection goes back to the pool while the
        query is embedded (as ``AccessService.scope_for`` does)."""
        if not self._current or self._clock() - self._read_at >= self._ttl_s:
            models = await registered_models(session)
            await session.commit()
            for model in models:
                self._start_loading(model.name)
            self._current = _used(models)
            self._read_at = self._clock()
        return SearchModels(
            tuple(
                [
                    SearchModel(vectors, await self._embedder_of(vectors.name), weight)
                    for vectors, weight in self._current
                ]
            )
        )

    async def _embedder_of(self, name: str) -> QueryEmbedder:
        if name not in self._embedders and name in self._loading:
            await asyncio.shield(self._loading[name])
        embedder = self._embedders.get(name)
        if embedder is None:
            raise ModelUnavailable(
                f"search uses {name}, which this search-api cannot embed queries with: "
                "configure it (PARLEY_EMBEDDING_MODEL) or `parley embeddings use` another model"
            )
        return embedder

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


def _used(models: list[RegisteredModel]) -> tuple[tuple[SlotModel, float], ...]:
    """The active model alone (weight 1), or, when it has a weight, with every other model
    that has one: the models search fuses."""
    active = next((m for m in models if m.active), None)
    if active is None:
        raise ModelUnavailable("no embedding model is active; run `parley migrate`")
    if active.search_weight is None:
        return ((SlotModel(active.name, active.slot, active.dimension), 1.0),)
    return tuple(
        (SlotModel(m.name, m.slot, m.dimension), m.search_weight)
        for m in models  # the active one first (registered_models)
        if m.search_weight is not None
    )
