"""Everything one embedder process runs, built from settings: the broker with its
subscriber, the database engine, the provider and batcher, the sweeper loop, metrics.

``main.py`` drives it through FastStream's hooks; tests and benchmarks start and stop it
directly.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from aio_pika.exceptions import AMQPError
from faststream.rabbit import RabbitBroker
from parley_broker import declare_topology, queue_depth
from parley_embeddings.chunking import Chunker
from parley_embeddings.factory import build_provider
from parley_embeddings.openai_compatible import RequestLimits
from parley_embeddings.provider import EmbeddingProvider
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.events import EMBEDDER_DLQ, EMBEDDER_QUEUE
from parley_schema.retrying import Backoff
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from parley_embedder import metrics
from parley_embedder.batching.batcher import EmbedBatcher
from parley_embedder.batching.sync import SyncBatcher
from parley_embedder.chunks.policy import EmbedPolicy
from parley_embedder.chunks.service import ChunkService
from parley_embedder.consumer.handlers import subscribe
from parley_embedder.consumer.service import EmbedPipeline, VectorWriter
from parley_embedder.settings import EmbedderSettings
from parley_embedder.sweeper.service import publish, requeue_service

log = structlog.get_logger(__name__)


def provider_from(settings: EmbedderSettings) -> EmbeddingProvider:
    limits = RequestLimits(
        max_inputs=settings.openai_max_inputs,
        max_tokens=settings.openai_max_request_tokens,
        timeout_s=settings.openai_timeout_s,
    )
    return build_provider(settings, limits=limits)


@dataclass
class EmbedderRuntime:
    settings: EmbedderSettings
    provider: EmbeddingProvider
    broker: RabbitBroker
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    batcher: EmbedBatcher
    pipeline: EmbedPipeline
    _sweeper: asyncio.Task[None] | None = field(default=None, init=False)

    @classmethod
    def build(cls, settings: EmbedderSettings, provider: EmbeddingProvider) -> EmbedderRuntime:
        engine = create_engine(settings, application_name="parley-embedder")
        sessions = create_sessionmaker(engine)
        chunks = ChunkService(
            chunker=Chunker(
                provider.count_tokens,
                max_tokens=settings.chunk_max_tokens,
                overlap_tokens=settings.chunk_overlap_tokens,
            ),
            policy=EmbedPolicy(
                embed_private_notes=settings.embed_private_notes,
                embed_activity_messages=settings.embed_activity_messages,
            ),
            model=provider.model_name,
            stuck_after=timedelta(seconds=settings.stuck_after_s),
        )
        batcher = EmbedBatcher(
            provider=provider,
            store=VectorWriter(sessions=sessions, chunks=chunks).store,
            max_texts=settings.batch_size,
            max_wait_s=settings.batch_wait_ms / 1000,
            backoff=Backoff(settings.retry_base_s, settings.retry_max_s),
            max_attempts=settings.embed_max_attempts,
            calls_in_flight=settings.embed_calls_in_flight,
        )
        syncer = SyncBatcher(
            sessions=sessions, chunks=chunks, max_messages=settings.effective_prefetch
        )
        pipeline = EmbedPipeline(sessions=sessions, chunks=chunks, syncer=syncer, batcher=batcher)
        # No FastDepends: the one handler takes the message as is (see ``handlers``).
        broker = RabbitBroker(str(settings.amqp_url), logger=None, apply_types=False)
        subscribe(
            broker,
            pipeline,
            prefetch=settings.effective_prefetch,
            requeue_delay_s=settings.requeue_delay_s,
        )
        return cls(settings, provider, broker, engine, sessions, batcher, pipeline)

    async def start(self) -> None:
        """Connect, declare the topology and start consuming (tests, benchmarks)."""
        await self.before_broker_start()
        await self.broker.start()
        await self.after_broker_start()

    async def before_broker_start(self) -> None:
        """Declare the whole topology: the subscriber only names the queue it consumes."""
        await declare_topology(await self.broker.connect())

    async def after_broker_start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="embedder-sweeper")
        log.info(
            "embedder_started",
            model=self.provider.model_name,
            batch_size=self.settings.batch_size,
            prefetch=self.settings.effective_prefetch,
        )

    async def stop(self) -> None:
        await self.before_broker_stop()
        await self.broker.stop()
        await self.after_broker_stop()

    async def before_broker_stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper

    async def after_broker_stop(self) -> None:
        await self.pipeline.syncer.close()
        await self.batcher.close()
        await self.engine.dispose()

    async def sweep_once(self) -> int:
        """Re-queue stuck chunks' messages; the number of messages re-queued."""
        stuck_after = timedelta(seconds=self.settings.stuck_after_s)
        async with self.sessions() as session, session.begin():
            events = await requeue_service.take_stuck(
                session, stuck_after=stuck_after, limit=self.settings.sweep_batch
            )
        await publish(self.broker, events)
        metrics.STUCK_REQUEUED.inc(len(events))
        return len(events)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.sweep_interval_s)
            try:
                await self.sweep_once()
                connection = await self.broker.connect()
                metrics.QUEUE_DEPTH.set(await queue_depth(connection, EMBEDDER_QUEUE))
                metrics.DLQ_DEPTH.set(await queue_depth(connection, EMBEDDER_DLQ))
            except (SQLAlchemyError, AMQPError, OSError) as error:
                log.warning("sweep_failed", error=type(error).__name__)
