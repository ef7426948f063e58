"""The rules of ``parley embeddings``: which model goes in which slot, when search may switch
to a model, which model may be dropped.

- ``add``: a model of the catalogue (or the configured ``PARLEY_EMBEDDING_MODEL`` with
  ``PARLEY_EMBEDDING_DIM``) takes the free slot; two models at most.
- ``use``: only a model whose vectors cover every ``ready`` chunk, and whose index is built.
- ``drop``: never the model search uses.
The index statements need a connection outside any transaction (``CREATE INDEX
CONCURRENTLY``): they take an ``AsyncConnection`` in autocommit, never the session.
"""

from __future__ import annotations

from parley_embeddings.catalogue import UnknownModelError, catalogue_model
from parley_schema.models.embeddings import SLOT_NUMBERS
from parley_schema.settings import ParleyBaseSettings
from parley_schema.vector_slots import RegisteredModel, SlotModel, registered_models
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from parley_embedder.models.errors import ModelCommandRefused
from parley_embedder.models.repository import Coverage, model_repository

CLEAR_BATCH = 5000


class ModelService:
    def __init__(self, *, settings: ParleyBaseSettings) -> None:
        self._settings = settings

    async def models(self, session: AsyncSession) -> list[tuple[RegisteredModel, Coverage]]:
        return [
            (model, await model_repository.coverage(session, model))
            for model in await registered_models(session)
        ]

    async def add(self, session: AsyncSession, name: str) -> SlotModel:
        """Register ``name`` in the free slot (or return it if it is registered already)."""
        registered = await registered_models(session)
        known = next((m for m in registered if m.name == name), None)
        if known is not None:
            return known
        free = [n for n in SLOT_NUMBERS if n not in {m.slot for m in registered}]
        if not free:
            raise ModelCommandRefused(
                f"two models are held already ({', '.join(m.name for m in registered)})",
                fix="`parley embeddings drop` the one search does not use",
            )
        model = SlotModel(name, free[0], self._dimension(name))
        await model_repository.register(session, model)
        return model

    async def check_usable(self, session: AsyncSession, name: str) -> SlotModel:
        """The model, if search may use it now: registered, every ready chunk covered."""
        model = await self._registered(session, name)
        coverage = await model_repository.coverage(session, model)
        if not coverage.complete:
            raise ModelCommandRefused(
                f"{name} covers {coverage.covered} of {coverage.total} chunks "
                f"({coverage.ratio:.1%}); search keeps its current model",
                fix="wait for the back-fill (`parley embeddings status`), then run `use` again",
            )
        return model

    async def use(self, session: AsyncSession, name: str) -> None:
        await self.check_usable(session, name)
        await model_repository.activate(session, name)

    async def unregister(self, session: AsyncSession, name: str) -> SlotModel:
        model = await self._registered(session, name)
        if model.active:
            raise ModelCommandRefused(
                f"search uses {name}", fix="`parley embeddings use` another model first"
            )
        await model_repository.unregister(session, name)
        return model

    async def clear_vectors(self, session: AsyncSession, model: SlotModel) -> int:
        """Remove up to a batch of the model's vectors from its slot; how many were."""
        return await model_repository.clear_slot(session, model, CLEAR_BATCH)

    async def ensure_index(self, connection: AsyncConnection, model: SlotModel) -> None:
        """Build the model's partial index unless a valid one exists (a build interrupted
        by a kill leaves an invalid one behind, which is dropped and built again)."""
        valid = await connection.scalar(
            text(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE c.relname = :name"
            ),
            {"name": model.columns.index_name},
        )
        if valid is False:
            await self.drop_index(connection, model)
        await connection.execute(text(model.index_ddl(concurrently=True)))

    async def drop_index(self, connection: AsyncConnection, model: SlotModel) -> None:
        await connection.execute(
            text(f"DROP INDEX CONCURRENTLY IF EXISTS {model.columns.index_name}")
        )

    async def _registered(self, session: AsyncSession, name: str) -> RegisteredModel:
        registered = await registered_models(session)
        model = next((m for m in registered if m.name == name), None)
        if model is None:
            raise ModelCommandRefused(
                f"{name} is not held (held: {', '.join(m.name for m in registered) or 'none'})",
                fix=f"`parley embeddings add-model {name}`",
            )
        return model

    def _dimension(self, name: str) -> int:
        if name == self._settings.embedding_model:
            return self._settings.embedding_dim
        try:
            return catalogue_model(name).dimension
        except UnknownModelError as error:
            raise ModelCommandRefused(error.message) from None
