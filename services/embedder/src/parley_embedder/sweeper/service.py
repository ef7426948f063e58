"""Put chunks back in the queue: stuck ones (a replica died mid-work) and failed ones.

Rows are picked with ``FOR UPDATE SKIP LOCKED``, so every replica may sweep at the same time
without two of them taking the same chunk. The chosen chunks go back to ``pending`` and, after
the commit, one ``message.upserted.v1`` event per message is published straight to the
embedder queue, which then processes it like any other event. If the publish is lost, the
chunks are still ``pending`` and the next sweep after ``stuck_after`` finds them again.

``Sweeper`` is the loop each replica runs (stuck chunks, queue depths); ``parley embedder
retry-failed`` uses ``requeue_service.take_failed`` and ``publish`` once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from datetime import UTC, datetime, timedelta

import structlog
from aio_pika.exceptions import AMQPError
from faststream.rabbit import RabbitBroker
from parley_broker import queue_depth
from parley_schema.events import (
    EMBEDDER_DLQ,
    EMBEDDER_QUEUE,
    DocumentUpsertedV1,
    EventEnvelope,
    MessageUpsertedV1,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_embedder import metrics
from parley_embedder.chunks.repository import MessageVersion, Requeued, chunk_repository
from parley_embedder.documents.repository import DocumentVersion, document_repository

log = structlog.get_logger(__name__)


class RequeueService:
    async def take_stuck(
        self, session: AsyncSession, *, stuck_after: timedelta, limit: int
    ) -> list[EventEnvelope]:
        requeued = await chunk_repository.requeue_stuck(
            session, stuck_after=stuck_after, limit=limit
        )
        return await self._events(session, requeued)

    async def take_failed(self, session: AsyncSession, *, limit: int) -> list[EventEnvelope]:
        requeued = await chunk_repository.requeue_failed(session, limit=limit)
        return await self._events(session, requeued)

    async def _events(self, session: AsyncSession, requeued: Requeued) -> list[EventEnvelope]:
        events: list[EventEnvelope] = []
        if requeued.messages:
            versions = await chunk_repository.get_message_versions(session, requeued.messages)
            events += [_event(v, v.account_id) for v in versions if v.account_id is not None]
        if requeued.documents:
            documents = await document_repository.get_versions(session, requeued.documents)
            events += [_document_event(d) for d in documents]
        return events


async def publish(broker: RabbitBroker, events: list[EventEnvelope]) -> None:
    """Publish ``events`` to the embedder queue, persistent, with publisher confirms."""
    for envelope in events:
        await broker.publish(
            envelope.model_dump_json().encode(),
            queue=EMBEDDER_QUEUE,
            persist=True,
            content_type="application/json",
            correlation_id=envelope.correlation_id,
        )
    if events:
        log.info("chunks_requeued", events=len(events))


def _event(version: MessageVersion, account_id: int) -> EventEnvelope:
    content = version.content
    payload = MessageUpsertedV1(
        message_global_id=version.message_global_id,
        conversation_global_id=version.conversation_global_id or "",
        updated_at=version.updated_at or datetime.now(UTC),
        content_sha256=hashlib.sha256(content.encode()).hexdigest() if content else None,
    )
    return EventEnvelope.wrap(
        payload,
        account_id=account_id,
        occurred_at=datetime.now(UTC),
        correlation_id=f"requeue-{version.message_global_id}",
    )


def _document_event(version: DocumentVersion) -> EventEnvelope:
    payload = DocumentUpsertedV1(
        document_global_id=version.global_id,
        project_id=str(version.project_id) if version.project_id else None,
        version=version.version,
        updated_at=version.updated_at,
        content_sha256=version.content_sha256,
    )
    return EventEnvelope.wrap(
        payload,
        account_id=version.account_id,
        occurred_at=datetime.now(UTC),
        correlation_id=f"requeue-{version.global_id}",
    )


requeue_service = RequeueService()


class Sweeper:
    """Every ``interval_s``: re-queue up to ``batch`` messages whose chunks have waited longer
    than ``stuck_after``, then sample the queue depths.

    It publishes through the broker, so it runs from the broker's start to its stop.
    """

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        broker: RabbitBroker,
        stuck_after: timedelta,
        batch: int,
        interval_s: float,
    ) -> None:
        self._sessions = sessions
        self._broker = broker
        self._stuck_after = stuck_after
        self._batch = batch
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._sweep_forever(), name="embedder-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def sweep_once(self) -> int:
        """Re-queue stuck chunks' messages; the number of messages re-queued."""
        async with self._sessions() as session, session.begin():
            events = await requeue_service.take_stuck(
                session, stuck_after=self._stuck_after, limit=self._batch
            )
        await publish(self._broker, events)
        metrics.STUCK_REQUEUED.inc(len(events))
        return len(events)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.sweep_once()
                connection = await self._broker.connect()
                metrics.QUEUE_DEPTH.set(await queue_depth(connection, EMBEDDER_QUEUE))
                metrics.DLQ_DEPTH.set(await queue_depth(connection, EMBEDDER_DLQ))
            except (SQLAlchemyError, AMQPError, OSError) as error:
                log.warning("sweep_failed", error=type(error).__name__)
            except Exception as error:  # e.g. aio-pika's RuntimeErrors on a closed channel
                log.exception("sweep_failed", error=type(error).__name__)
