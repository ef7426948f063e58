"""Everything one embedder process runs, built once from settings: the broker with its
subscriber, the database engine, the provider, the registered models and batchers, the
sweeper loop and the models' back-fill.

``main.py``'s lifespan builds it and FastStream's hooks drive it; tests and benchmarks
start and stop it directly (``start``/``stop``, or only ``after_broker_stop`` to close one
that never consumed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog
from faststream.rabbit import RabbitBroker
from parley_broker import declare_topology
from parley_embeddings.chunking import Chunker
from parley_embeddings.document_chunking import DocumentChunker
from parley_embeddings.factory import build_provider
from parley_embeddings.openai_compatible import RequestLimits
from parley_embeddings.provider import EmbeddingProvider
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.retrying import Backoff
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from parley_embedder.batching.batcher import EmbedBatcher
from parley_embedder.batching.sync import SyncBatcher
from parley_embedder.chunks.policy import EmbedPolicy
from parley_embedder.chunks.service import ChunkService
from parley_embedder.consumer.handlers import subscribe
from parley_embedder.consumer.service import EmbedPipeline, VectorWriter
from parley_embedder.documents.service import DocumentService
from parley_embedder.models.backfill import ModelBackfill
from parley_embedder.models.registry import EmbeddingModels
from parley_embedder.settings import EmbedderSettings
from parley_embedder.sweeper.service import Sweeper

log = structlog.get_logger(__name__)


def provider_from(settings: EmbedderSettings) -> EmbeddingProvider:
    """The provider the settings name (loads the local model: call it off the event loop)."""
    limits = RequestLimits(
        max_inputs=settings.openai_max_inputs,
        max_tokens=settings.openai_max_request_tokens,
        timeout_s=settings.openai_timeout_s,
    )
    return build_provider(settings, limits=limits)


@dataclass(frozen=True, kw_only=True)
class EmbedderRuntime:
    settings: EmbedderSettings
    provider: EmbeddingProvider
    broker: RabbitBroker
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    models: EmbeddingModels
    batcher: EmbedBatcher
    pipeline: EmbedPipeline
    sweeper: Sweeper
    backfill: ModelBackfill

    @classmethod
    def build(cls, settings: EmbedderSettings, provider: EmbeddingProvider) -> EmbedderRuntime:
        engine = create_engine(settings, application_name="parley-embedder")
        sessions = create_sessionmaker(engine)
        stuck_after = timedelta(seconds=settings.stuck_after_s)
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
            stuck_after=stuck_after,
        )
        models = EmbeddingModels(
            sessions=sessions,
            configured=provider,
            settings=settings,
            refresh_s=settings.models_refresh_s,
        )
        batcher = EmbedBatcher(
            models=models,
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
        documents = DocumentService(
            chunker=DocumentChunker(
                provider.count_tokens,
                max_tokens=settings.chunk_max_tokens,
                overlap_tokens=settings.chunk_overlap_tokens,
            ),
            model=provider.model_name,
            stuck_after=stuck_after,
        )
        pipeline = EmbedPipeline(
            sessions=sessions,
            chunks=chunks,
            syncer=syncer,
            batcher=batcher,
            documents=documents,
            document_slice=settings.batch_size,
        )
        # No FastDepends: the one handler takes the message as is (see ``handlers``).
        broker = RabbitBroker(str(settings.amqp_url), logger=None, apply_types=False)
        subscribe(
            broker,
            pipeline,
            prefetch=settings.effective_prefetch,
            requeue_delay_s=settings.requeue_delay_s,
        )
        sweeper = Sweeper(
            sessions=sessions,
            broker=broker,
            stuck_after=stuck_after,
            batch=settings.sweep_batch,
            interval_s=settings.sweep_interval_s,
        )
        backfill = ModelBackfill(
            sessions=sessions,
            models=models,
            batch=settings.model_backfill_batch,
            rate=settings.model_backfill_rate,
            interval_s=settings.model_backfill_interval_s,
        )
        return cls(
            settings=settings,
            provider=provider,
            broker=broker,
            engine=engine,
            sessions=sessions,
            models=models,
            batcher=batcher,
            pipeline=pipeline,
            sweeper=sweeper,
            backfill=backfill,
        )

    async def start(self) -> None:
        """Connect, declare the topology and start consuming (tests, benchmarks)."""
        await self.before_broker_start()
        await self.broker.start()
        await self.after_broker_start()

    async def before_broker_start(self) -> None:
        """Check the configured model is held; declare the whole topology (the subscriber
        only names the queue it consumes)."""
        await self.models.check_configured()
        await declare_topology(await self.broker.connect())

    async def after_broker_start(self) -> None:
        self.sweeper.start()
        self.backfill.start()
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
        await self.backfill.stop()
        await self.sweeper.stop()

    async def after_broker_stop(self) -> None:
        await self.pipeline.syncer.close()
        await self.batcher.close()
        await self.engine.dispose()
