"""The rules of ``parley embeddings``: which model goes in which slot, when search may switch
to a model, which model may be dropped.

- ``add``: a model of the catalogue (or the configured ``PARLEY_EMBEDDING_MODEL`` with
  ``PARLEY_EMBEDDING_DIM``) takes the free slot; two models at most.
- ``use``: only a model whose vectors cover every ``ready`` chunk, and whose index is built;
  ``use A --with B:0.4`` fuses two such models' cosines, 0.6 A + 0.4 B (both complete).
- ``drop``: never a model search uses (alone or fused).
The index statements need a connection outside any transaction (``CREATE INDEX
CONCURRENTLY``): they take an ``AsyncConnection`` in autocommit, never the session.
"""

from __future__ import annotations

from dataclasses import dataclass

from parley_embeddings.catalogue import UnknownModelError, catalogue_model
from parley_schema.models.embeddings import SLOT_NUMBERS
from parley_schema.settings import ParleyBaseSettings
from parley_schema.vector_slots import RegisteredModel, SlotModel, registered_models
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from parley_embedder.models.errors import ModelCommandRefused
from parley_embedder.models.repository import Coverage, model_repository

CLEAR_BATCH = 5000


@dataclass(frozen=True)
class Fused:
    """A model search fuses with the active one, and its share of the dense score."""

    name: str
    weight: float


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

    async def use(self, session: AsyncSession, name: str, fused_with: Fused | None = None) -> None:
        """Search uses ``name`` alone, or fused with another complete model at its weight
        (``name`` gets the rest: the weights sum to 1)."""
        await self.check_usable(session, name)
        if fused_with is None:
            await model_repository.activate(session, name)
            return
        await self.check_fusable(session, name, fused_with)
        await model_repository.activate(
            session, name, {name: 1.0 - fused_with.weight, fused_with.name: fused_with.weight}
        )

    async def check_fusable(self, session: AsyncSession, name: str, fused: Fused) -> SlotModel:
        """The other model, if search may fuse it with ``name``: another held model, complete,
        with a weight strictly between 0 and 1."""
        if fused.name == name:
            raise ModelCommandRefused(
                f"{name} cannot be fused with itself", fix=f"`parley embeddings use {name}`"
            )
        if not 0.0 < fused.weight < 1.0:
            raise ModelCommandRefused(
                f"the weight of {fused.name} must be between 0 and 1, not {fused.weight:g}",
                fix=f"e.g. `parley embeddings use {name} --with {fused.name}:0.4`",
            )
        return await self.check_usable(session, fused.name)

    async def unregister(self, session: AsyncSession, name: str) -> SlotModel:
        model = await self._registered(session, name)
        if model.active:
            raise ModelCommandRefused(
                f"search uses {name}", fix="`parley embeddings use` another model first"
            )
        if model.search_weight is not None:
            active = next(m for m in await registered_models(session) if m.active)
            raise ModelCommandRefused(
                f"search fuses {name} with {active.name}",
                fix=f"`parley embeddings use {active.name}` (alone) first",
            )
        await model_repository.unregister(session, name)
        return model

    async def clear_vectors(self, session: AsyncSession, model: SlotModel) -> int:
        """Remove up to a batch of the model's vectors from its slot; how many were."""
        return await model_repository.clear_slot(session, model, CLEAR_BATCH)

    async def ensure_index(self, connection: AsyncConnection, model: SlotModel) -> None:
        """Build the model's partial indexes (HNSW, then the scan index) unless valid ones
        exist (a build interrupted by a kill leaves an invalid one behind, which is dropped
        and built again)."""
        for name, ddl in model.indexes(concurrently=True).items():
            valid = await connection.scalar(
                text(
                    "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                    " WHERE c.relname = :name"
                ),
                {"name": name},
            )
            if valid is False:
                await connection.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))
            await connection.execute(text(ddl))

    async def drop_index(self, connection: AsyncConnection, model: SlotModel) -> None:
        """Drop the model's partial indexes."""
        for name in model.columns.index_names:
            await connection.execute(text(f"DROP INDEX CONCURRENTLY IF EXISTS {name}"))

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
