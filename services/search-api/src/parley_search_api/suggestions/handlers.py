"""The broker subscriber of the suggestions process: one task per message, settled
explicitly (AckPolicy.MANUAL, as the embedder's): ack after the last commit or a skip,
reject what cannot be read, nack with requeue after a delay on anything else (Chatwoot or
the database unavailable); the quorum queue's delivery limit ends a message that keeps
failing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from faststream import AckPolicy
from faststream.rabbit import (
    Channel,
    RabbitBroker,
)
from faststream.rabbit.message import RabbitMessage
from parley_broker import EVENTS as EVENTS_EXCHANGE
from parley_broker import SUGGESTIONS as SUGGESTIONS_QUEUE
from parley_broker.faststream_views import exchange_view, queue_view

from parley_search_api.suggestions.service import Outcome, SuggestionService

log = structlog.get_logger(__name__)

# FastStream's view of what parley_broker declares (declare=False: one declaration).
EVENTS = exchange_view(EVENTS_EXCHANGE)
SUGGESTIONS = queue_view(SUGGESTIONS_QUEUE)
PREFETCH = 4  # drafts are computed one message at a time per task; a few in flight


async def the_message_itself(message: RabbitMessage) -> RabbitMessage:
    """Settle the message ourselves, poison included (see the embedder's handlers)."""
    return message


def make_handler(
    service: SuggestionService, *, requeue_delay_s: float
) -> Callable[[RabbitMessage], Awaitable[None]]:
    async def on_message_upserted(message: RabbitMessage) -> None:
        try:
            outcome = await service.handle(message.body)
        except Exception as error:
            cause = getattr(error, "orig", None) or error  # SQLAlchemy: no SQL or parameters
            log.warning(
                "suggestion_requeued", error_type=type(cause).__name__, delay_s=requeue_delay_s
            )
            await asyncio.sleep(requeue_delay_s)
            await message.nack(requeue=True)
            return
        if outcome is Outcome.POISON:
            await message.reject(requeue=False)
        else:
            await message.ack()

    return on_message_upserted


def subscribe(broker: RabbitBroker, service: SuggestionService, *, requeue_delay_s: float) -> None:
    broker.subscriber(
        SUGGESTIONS,
        EVENTS,
        channel=Channel(prefetch_count=PREFETCH),
        ack_policy=AckPolicy.MANUAL,
        decoder=the_message_itself,
    )(make_handler(service, requeue_delay_s=requeue_delay_s))
