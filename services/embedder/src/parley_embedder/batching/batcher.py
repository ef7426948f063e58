"""One model call and one commit for many messages.

Callers (one per message being handled) hand in their claimed chunks and wait. A single
worker takes what has accumulated when ``max_texts`` is reached or ``max_wait_s`` after the
oldest waiting chunk arrived (so a lone message waits at most that long), embeds the texts
in one call (one per registered model: ``EmbeddingModels``), stores all vectors in one
transaction (``store``), and only then releases the
callers, who ack their messages. Up to ``calls_in_flight`` calls run at once: while one
runs, the next batch accumulates and can start before the first returns, so a model with
several workers (or a remote server) is never idle between calls. Stores run one at a time,
in the order their calls finished, and never hold up the next call, so the model never waits
for the database. Transient provider errors are retried with backoff; a permanent error in a
mixed batch is isolated by retrying each caller's texts alone, so one bad message does not
fail its neighbours. Waits between attempts follow the shared ``Backoff``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field

import structlog
from parley_embeddings.errors import EmbeddingError, TransientEmbeddingError
from parley_schema.retrying import Backoff

from parley_embedder import metrics
from parley_embedder.chunks.repository import ClaimedChunk
from parley_embedder.models.registry import EmbeddingModels
from parley_embedder.models.vectors import ModelVectors

log = structlog.get_logger(__name__)


Store = Callable[[list[ClaimedChunk], list[ModelVectors]], Awaitable[None]]


@dataclass
class _Request:
    chunks: list[ClaimedChunk]
    future: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class EmbedBatcher:
    def __init__(
        self,
        *,
        models: EmbeddingModels,
        store: Store,
        max_texts: int,
        max_wait_s: float,
        backoff: Backoff,
        max_attempts: int,
        calls_in_flight: int = 1,
    ) -> None:
        self._models = models
        self._store = store
        self._max_texts = max_texts
        self._max_wait_s = max_wait_s
        self._backoff = backoff
        self._max_attempts = max_attempts  # model calls per batch, the first included
        self._waiting: list[_Request] = []
        self._waiting_texts = 0
        self._oldest_at = 0.0
        self._changed = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._call_slots = asyncio.Semaphore(calls_in_flight)
        self._store_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()  # calls and stores under way

    async def embed_and_store(self, chunks: Sequence[ClaimedChunk]) -> None:
        """Returns once the chunks' vectors are committed; raises the EmbeddingError that
        ended retrying, or the error that made the commit fail."""
        if not chunks:
            return
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="embed-batcher")
        request = _Request(list(chunks))
        if not self._waiting:
            self._oldest_at = time.monotonic()
        self._waiting.append(request)
        self._waiting_texts += len(request.chunks)
        self._changed.set()
        await request.future

    async def close(self) -> None:
        tasks = [task for task in (self._worker, *self._tasks) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for request in self._waiting:
            request.future.cancel()

    async def _run(self) -> None:
        while True:
            await self._call_slots.acquire()
            await self._wait_for_batch()
            self._start(self._call(self._take()), "embed-batch-call")

    def _start(self, work: Coroutine[None, None, None], name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _call(self, batch: list[_Request]) -> None:
        try:
            await self._embed_batch(batch)
        except Exception as error:  # a provider bug must not strand its callers
            log.error(  # no traceback: its locals would hold message texts
                "embed_batch_crashed", requests=len(batch), error_type=type(error).__name__
            )
            for request in batch:
                _fail(request, error)
        finally:
            self._call_slots.release()

    async def _wait_for_batch(self) -> None:
        while True:
            if self._waiting_texts >= self._max_texts:
                return
            if self._waiting:
                remaining = self._oldest_at + self._max_wait_s - time.monotonic()
                if remaining <= 0:
                    return
            else:
                remaining = None
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return

    def _take(self) -> list[_Request]:
        """The oldest requests up to ``max_texts`` texts (at least one request)."""
        batch: list[_Request] = []
        count = 0
        while self._waiting and (
            not batch or count + len(self._waiting[0].chunks) <= self._max_texts
        ):
            request = self._waiting.pop(0)
            batch.append(request)
            count += len(request.chunks)
        self._waiting_texts -= count
        if self._waiting:
            self._oldest_at = time.monotonic()
        return batch

    async def _embed_batch(self, batch: list[_Request]) -> None:
        chunks = [chunk for request in batch for chunk in request.chunks]
        try:
            vectors = await self._embed_with_retry([chunk.text for chunk in chunks])
        except TransientEmbeddingError as error:
            for request in batch:
                _fail(request, error)
            return
        except EmbeddingError as error:
            if len(batch) == 1:
                _fail(batch[0], error)
                return
            log.warning("embed_batch_isolating", requests=len(batch), error=error.message)
            for request in batch:
                await self._embed_batch([request])
            return
        self._start(self._store_and_release(batch, chunks, vectors), "embed-batch-store")

    async def _store_and_release(
        self, batch: list[_Request], chunks: list[ClaimedChunk], vectors: list[ModelVectors]
    ) -> None:
        try:
            async with self._store_lock:  # FIFO: stores run in the order calls finished
                await self._store(chunks, vectors)
        except Exception as error:  # the callers nack; their messages come back
            for request in batch:
                _fail(request, error)
            return
        metrics.CHUNKS_EMBEDDED.inc(len(chunks))
        for request in batch:
            if not request.future.done():
                request.future.set_result(None)

    async def _embed_with_retry(self, texts: list[str]) -> list[ModelVectors]:
        attempt = 1
        while True:
            started = time.perf_counter()
            try:
                vectors = await self._models.embed(texts)
            except TransientEmbeddingError as error:
                if attempt >= self._max_attempts:
                    log.warning("embed_gave_up", attempts=attempt, error=error.message)
                    raise
                delay = self._backoff.delay(attempt, error.retry_after_s)
                metrics.EMBED_RETRIES.inc()
                log.info(
                    "embed_retrying", attempt=attempt, delay_s=round(delay, 3), error=error.message
                )
                await asyncio.sleep(delay)
                attempt += 1
                continue
            metrics.EMBED_LATENCY.observe(time.perf_counter() - started)
            metrics.BATCH_SIZE.observe(len(texts))
            return vectors


def _fail(request: _Request, error: Exception) -> None:
    if not request.future.done():  # a caller cancelled on shutdown no longer listens
        request.future.set_exception(error)
