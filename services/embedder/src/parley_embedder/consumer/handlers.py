"""The broker subscriber: one task per delivered message, settled explicitly.

AckPolicy.MANUAL on purpose: the handler acks only after the pipeline's last commit,
rejects (→ DLQ) what the pipeline calls poison or permanently failed, and nacks with
requeue on anything unexpected (database or broker trouble), after ``requeue_delay_s`` so
redeliveries are spread over an outage; the quorum queue's delivery limit turns a message
into a dead letter if it keeps failing.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import structlog
from faststream import AckPolicy
from faststream.rabbit import Channel, RabbitBroker
from faststream.rabbit.message import RabbitMessage
from parley_schema.events import CORRELATION_ID_HEADER

from parley_embedder import metrics
from parley_embedder.consumer.service import EmbedPipeline, Outcome
from parley_embedder.topology import EMBEDDER, EVENTS

log = structlog.get_logger(__name__)


def correlation_id_of(message: RabbitMessage) -> str:
    header = message.headers.get(CORRELATION_ID_HEADER)
    return message.raw_message.correlation_id or (str(header) if header else uuid.uuid4().hex)


async def the_message_itself(message: RabbitMessage) -> RabbitMessage:
    """The handler gets the whole message, undecoded.

    Settling needs the message (ack, nack, reject, the redelivered flag), and FastStream
    would parse JSON itself and fail on a poison body before our code could settle it (with
    MANUAL ack it would sit unacked). Handing the message over as the "decoded body" also
    lets the broker run without FastDepends (``apply_types=False``): resolving the message
    as a ``Context`` parameter costs a thread-pool hop per message, as FastDepends runs
    that synchronous resolver in a worker thread.
    """
    return message


def make_handler(
    pipeline: EmbedPipeline, *, requeue_delay_s: float
) -> Callable[[RabbitMessage], Awaitable[None]]:
    async def on_message_event(message: RabbitMessage) -> None:
        with structlog.contextvars.bound_contextvars(correlation_id=correlation_id_of(message)):
            try:
                outcome = await pipeline.handle(
                    message.body, redelivered=bool(message.raw_message.redelivered)
                )
            except Exception as error:
                # MANUAL ack: every path settles the message; redeliver up to the limit.
                cause = getattr(error, "orig", None) or error  # SQLAlchemy: no SQL/params
                log.warning(
                    "message_requeued",
                    error_type=type(cause).__name__,
                    error=str(cause)[:300],
                    delay_s=requeue_delay_s,
                )
                metrics.MESSAGES.labels(outcome="requeued").inc()
                await asyncio.sleep(requeue_delay_s)
                await message.nack(requeue=True)
                return
            metrics.MESSAGES.labels(outcome=outcome.value).inc()
            if outcome is Outcome.ACK:
                await message.ack()
            else:
                metrics.DEAD_LETTERED.inc()
                await message.reject(requeue=False)

    return on_message_event


def subscribe(
    broker: RabbitBroker, pipeline: EmbedPipeline, *, prefetch: int, requeue_delay_s: float
) -> None:
    broker.subscriber(
        EMBEDDER,
        EVENTS,
        channel=Channel(prefetch_count=prefetch),
        ack_policy=AckPolicy.MANUAL,
        decoder=the_message_itself,
    )(make_handler(pipeline, requeue_delay_s=requeue_delay_s))
