"""The back-fill: every registered model's vectors for the ``ready`` chunks that lack them.

Each replica checks every ``model_backfill_interval_s`` whether a model it can run lacks
vectors (one indexed-order read of one row); only then does it run the job
``embedder-model-backfill`` (``parley_schema.jobs``: one replica at a time under an advisory
lock, each run a ``job_runs`` row with the chunks it stored per model). A run embeds
``model_backfill_batch`` chunks at a time with the model's own provider and commits each
batch, waiting between batches so that it stores at most ``model_backfill_rate`` chunks a
second: live embedding keeps the rest of the machine. A killed run loses at most the batch
under way; the next run starts from what is still missing. Chunks edited meanwhile are left
to the live path (which embeds with every registered model).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import structlog
from parley_schema.jobs import JobResult, run_job
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_embedder import metrics
from parley_embedder.models.registry import EmbeddingModels
from parley_embedder.models.repository import model_repository
from parley_embedder.models.vectors import ModelVectors

log = structlog.get_logger(__name__)

JOB_NAME = "embedder-model-backfill"


class ModelBackfill:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        models: EmbeddingModels,
        batch: int,
        rate: float,
        interval_s: float,
    ) -> None:
        self._sessions = sessions
        self._models = models
        self._batch = batch
        self._rate = rate
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=JOB_NAME)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            try:
                if await self.has_work():
                    await run_job(self._sessions, JOB_NAME, self.run)
            except (SQLAlchemyError, OSError) as error:  # the database is away: next time
                log.warning("model_backfill_failed", error=type(error).__name__)
            except Exception as error:  # in job_runs (run_job); keep the schedule alive
                # no traceback: its locals would hold chunk texts
                log.error("model_backfill_failed", error_type=type(error).__name__)
            await asyncio.sleep(self._interval_s)

    async def has_work(self) -> bool:
        work = False
        for model, _ in await self._models.current():
            async with self._sessions() as session:
                missing = await model_repository.missing(session, model, 1)
            if missing:
                work = True
            else:
                metrics.MODEL_COVERAGE.labels(model.name).set(1.0)
        return work

    async def run(self, _: AsyncSession) -> JobResult:
        """One pass over every model that lacks vectors (the job's own session is unused:
        each batch commits in a transaction of its own)."""
        stored: dict[str, int] = {}
        for model, provider in await self._models.current():
            async with self._sessions() as session:
                coverage = await model_repository.coverage(session, model)
            covered = coverage.covered
            while True:
                began = time.monotonic()
                async with self._sessions() as session:
                    chunks = await model_repository.missing(session, model, self._batch)
                if not chunks:
                    break
                vectors = await provider.embed([chunk.text for chunk in chunks])
                async with self._sessions.begin() as session:
                    count = await model_repository.store(
                        session, chunks, ModelVectors(model, vectors)
                    )
                stored[model.name] = stored.get(model.name, 0) + count
                covered += count
                metrics.BACKFILLED.labels(model.name).inc(count)
                metrics.MODEL_COVERAGE.labels(model.name).set(
                    min(1.0, covered / coverage.total) if coverage.total else 1.0
                )
                await asyncio.sleep(max(0.0, len(chunks) / self._rate - (time.monotonic() - began)))
        log.info("model_backfill_pass", stored=stored)
        return JobResult(sum(stored.values()), {"stored": stored})
