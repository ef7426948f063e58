"""The registered embedding models this embedder embeds every chunk with.

``embedding_models`` says which models the database holds vectors of and in which slot;
the embedder embeds each claimed chunk with every one of them it can run: the configured
provider for ``PARLEY_EMBEDDING_MODEL``, the catalogue's local models for the others (loaded
in a worker thread the first time they are registered). The registration is re-read every
``models_refresh_s``, so a model added with ``parley embeddings add-model`` is embedded by
every replica within seconds, and new chunks never fall behind its back-fill.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import structlog
from parley_embeddings.catalogue import UnknownModelError, catalogue_model
from parley_embeddings.errors import TransientEmbeddingError
from parley_embeddings.provider import EmbeddingProvider
from parley_schema.errors import ConfigurationError
from parley_schema.settings import ParleyBaseSettings
from parley_schema.vector_slots import SlotModel, registered_models
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_embedder.models.vectors import ModelVectors

log = structlog.get_logger(__name__)


class EmbeddingModels:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        configured: EmbeddingProvider,
        settings: ParleyBaseSettings,
        refresh_s: float,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._refresh_s = refresh_s
        self._configured = configured.model_name
        self._providers: dict[str, EmbeddingProvider] = {configured.model_name: configured}
        self._unavailable: set[str] = set()
        self._models: list[SlotModel] = []
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def current(self) -> list[tuple[SlotModel, EmbeddingProvider]]:
        """The registered models with their providers (re-read when older than the refresh)."""
        async with self._lock:
            if time.monotonic() - self._read_at >= self._refresh_s:
                async with self._sessions() as session:
                    registered = await registered_models(session)
                self._models = [SlotModel(m.name, m.slot, m.dimension) for m in registered]
                self._read_at = time.monotonic()
                for model in self._models:
                    await self._load(model.name)
        return [(m, self._providers[m.name]) for m in self._models if m.name in self._providers]

    async def check_configured(self) -> None:
        """Refuse to start when the configured model is not held: its vectors would have
        nowhere to go, and the replica would silently embed with other models only. A
        database that cannot be reached now is no reason not to start (messages wait)."""
        try:
            names = [model.name for model, _ in await self.current()]
        except (SQLAlchemyError, OSError) as error:
            log.warning("embedding_models_unreadable", error=type(error).__name__)
            return
        if self._configured not in names:
            raise ConfigurationError(
                f"PARLEY_EMBEDDING_MODEL={self._configured} is not held by the database "
                f"(held: {', '.join(names) or 'none'}); set it to a held model, or "
                f"`parley embeddings add-model {self._configured}`"
            )

    async def embed(self, texts: Sequence[str]) -> list[ModelVectors]:
        """Every registered model's vectors of ``texts``, one model after the other."""
        models = await self.current()
        if not models:
            raise TransientEmbeddingError(
                "no registered embedding model can run here (see `parley embeddings status`)"
            )
        return [ModelVectors(model, await provider.embed(texts)) for model, provider in models]

    async def _load(self, name: str) -> None:
        if name in self._providers or name in self._unavailable:
            return
        try:
            model = catalogue_model(name)
        except UnknownModelError:
            # e.g. an OpenAI model while this replica is configured for another: say so once
            log.warning("embedding_model_unavailable", model=name)
            self._unavailable.add(name)
            return
        try:
            self._providers[name] = await asyncio.to_thread(model.load, self._settings)
        except (OSError, RuntimeError, ValueError) as error:  # not retried until a restart
            log.error("embedding_model_load_failed", model=name, error_type=type(error).__name__)
            self._unavailable.add(name)
            return
        log.info("embedding_model_loaded", model=name)
