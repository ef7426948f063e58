"""A second model held next to the first: the back-fill (bounded, resumable, in job_runs),
live embedding with both, switching search's model only at full coverage, dropping the other.
Real Postgres, the real MiniLM and the real multilingual model."""

from __future__ import annotations

import asyncio

import pytest
from parley_embedder.models.backfill import JOB_NAME
from parley_embedder.models.errors import ModelCommandRefused
from parley_embedder.models.repository import model_repository
from parley_embedder.models.service import ModelService
from parley_embedder.runtime import EmbedderRuntime
from parley_embedder.settings import EmbedderSettings
from parley_embedder_testkit import Rows, local_model_settings
from parley_embeddings.catalogue import MINILM, USE_MULTILINGUAL
from parley_embeddings.local import LocalProvider
from parley_schema.errors import ConfigurationError
from parley_schema.jobs import run_job
from parley_schema.models import JobRun, RagChunk
from parley_schema.vector_slots import SlotModel
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

USE = SlotModel(USE_MULTILINGUAL.name, 2, USE_MULTILINGUAL.dimension)
TEXTS = [f"Order {i}: the parcel arrived damaged, I want a refund" for i in range(7)]


@pytest.fixture(scope="module")
def use_provider(settings: EmbedderSettings) -> LocalProvider:
    return USE_MULTILINGUAL.load(settings)


@pytest.fixture(scope="module")
def settings(database_url: str) -> EmbedderSettings:
    return local_model_settings(database_url, chunk_max_tokens=64).model_copy(
        update={"models_refresh_s": 0.01, "model_backfill_batch": 2, "model_backfill_rate": 4.0}
    )


async def coverage(engine: AsyncEngine, model: SlotModel) -> tuple[int, int]:
    async with AsyncSession(engine) as session:
        found = await model_repository.coverage(session, model)
    return found.covered, found.total


async def add(engine: AsyncEngine, settings: EmbedderSettings, name: str) -> SlotModel:
    service = ModelService(settings=settings)
    async with AsyncSession(engine) as session, session.begin():
        model = await service.add(session, name)
    async with engine.connect() as connection:
        await service.ensure_index(
            await connection.execution_options(isolation_level="AUTOCOMMIT"), model
        )
    return model


async def test_an_added_model_is_back_filled_used_and_the_old_one_dropped(
    runtime: EmbedderRuntime,
    settings: EmbedderSettings,
    rows: Rows,
    db_engine: AsyncEngine,
    use_provider: LocalProvider,
) -> None:
    messages = await rows.messages(TEXTS)
    for message in messages:
        await runtime.pipeline.sync_message(message.id)
    assert await add(db_engine, settings, USE.name) == USE
    assert await coverage(db_engine, USE) == (0, 7)
    service = ModelService(settings=settings)
    async with AsyncSession(db_engine) as session:
        with pytest.raises(ModelCommandRefused, match=r"covers 0 of 7 chunks \(0.0%\)"):
            await service.use(session, USE.name)

    # a kill during the back-fill loses at most the batch under way; the next run resumes
    backfill = runtime.backfill
    assert await backfill.has_work()
    interrupted = asyncio.create_task(backfill.run(AsyncSession(db_engine)))
    await asyncio.sleep(0.2)  # the first batch of 2 is stored, then it waits (4 chunks/s)
    interrupted.cancel()
    with pytest.raises(asyncio.CancelledError):
        await interrupted
    assert await coverage(db_engine, USE) == (2, 7)
    began = asyncio.get_running_loop().time()
    result = await run_job(runtime.sessions, JOB_NAME, backfill.run)
    assert result is not None
    assert result.processed == 5
    assert result.meta == {"stored": {USE.name: 5}}
    assert asyncio.get_running_loop().time() - began >= 5 / 4 - 0.5  # the rate bound
    assert await coverage(db_engine, USE) == (7, 7)
    assert not await backfill.has_work()

    # a message arriving now is embedded live with both models
    late = await rows.message("Bitte erstatten Sie mir den Betrag")
    await runtime.pipeline.sync_message(late.id)
    [chunk] = await rows.chunks(late)
    [expected] = await use_provider.embed([chunk.text])
    assert chunk.embedding_model == MINILM.name
    assert chunk.embedding_2_model == USE.name
    assert list(chunk.embedding_2 or []) == pytest.approx(expected, abs=1e-5)
    assert await coverage(db_engine, USE) == (8, 8)

    async with AsyncSession(db_engine) as session, session.begin():
        await service.use(session, USE.name)
        with pytest.raises(ModelCommandRefused, match="search uses"):
            await service.unregister(session, USE.name)
        minilm = await service.unregister(session, MINILM.name)
        while await service.clear_vectors(session, minilm):
            pass
    async with AsyncSession(db_engine) as session:
        active = await session.scalar(text("SELECT name FROM embedding_models WHERE active"))
        left = await session.scalar(
            select(RagChunk.id).where(RagChunk.embedding_model.is_not(None)).limit(1)
        )
        [run] = (await session.execute(select(JobRun).where(JobRun.job_name == JOB_NAME))).scalars()
    assert active == USE.name
    assert left is None
    assert (run.status, run.processed_count, run.meta) == ("ok", 5, {"stored": {USE.name: 5}})

    # a replica still configured for the dropped model refuses to start, naming the fix
    with pytest.raises(ConfigurationError, match="not held by the database"):
        await runtime.models.check_configured()
