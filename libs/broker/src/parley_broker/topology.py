"""The RabbitMQ objects Parley uses, as data, and the one function that declares them.

- ``parley.events``: topic exchange every source event is published to (ingest's relay).
- ``parley.embedder``: quorum queue bound to ``message.#``, with a delivery limit; after it a
  message is dead-lettered through the direct exchange ``parley.dlx`` to ``parley.embedder.dlq``.
- ``parley.suggestions``: quorum queue bound to ``message.upserted.v1``, declared only by
  search-api's suggestions process (``SUGGESTIONS_TOPOLOGY``), when it runs.

Every process that publishes or consumes declares the whole topology at start (the relay: so
that message events published before the embedder's first start are queued, not dropped as
unroutable; the embedder: before its subscriber consumes). Declarations are idempotent. When
another process already declared an object with other properties, RabbitMQ refuses the
redeclaration; ``declare_topology`` then checks that the object exists (passive declare) and
carries on with the existing one, with a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractConnection
from parley_schema.events import (
    DEAD_LETTER_EXCHANGE,
    EMBEDDER_BINDINGS,
    EMBEDDER_DLQ,
    EMBEDDER_DLQ_ARGUMENTS,
    EMBEDDER_QUEUE,
    EMBEDDER_QUEUE_ARGUMENTS,
    EVENTS_EXCHANGE,
    SUGGESTIONS_BINDINGS,
    SUGGESTIONS_QUEUE,
    SUGGESTIONS_QUEUE_ARGUMENTS,
)

log = structlog.get_logger(__name__)


class ExchangeKind(StrEnum):
    TOPIC = "topic"
    DIRECT = "direct"


@dataclass(frozen=True)
class Exchange:
    name: str
    kind: ExchangeKind


@dataclass(frozen=True)
class Binding:
    exchange: str
    routing_key: str


@dataclass(frozen=True)
class Queue:
    """A durable queue; ``arguments`` name its type (``x-queue-type``) and dead-lettering."""

    name: str
    arguments: Mapping[str, str | int]
    bindings: tuple[Binding, ...] = ()

    @property
    def queue_type(self) -> str:
        return str(self.arguments.get("x-queue-type", "classic"))


@dataclass(frozen=True)
class Topology:
    exchanges: tuple[Exchange, ...]
    queues: tuple[Queue, ...] = field(default=())

    def routing_patterns(self) -> tuple[str, ...]:
        """Every routing-key pattern a queue is bound with on the events exchange."""
        return tuple(
            binding.routing_key
            for queue in self.queues
            for binding in queue.bindings
            if binding.exchange == EVENTS_EXCHANGE
        )


EVENTS = Exchange(EVENTS_EXCHANGE, ExchangeKind.TOPIC)
DEAD_LETTERS = Exchange(DEAD_LETTER_EXCHANGE, ExchangeKind.DIRECT)
EMBEDDER = Queue(
    EMBEDDER_QUEUE,
    MappingProxyType(EMBEDDER_QUEUE_ARGUMENTS),
    tuple(Binding(EVENTS_EXCHANGE, key) for key in EMBEDDER_BINDINGS),
)
# The queue dead-letters with routing key EMBEDDER_DLQ (x-dead-letter-routing-key).
EMBEDDER_DEAD_LETTERS = Queue(
    EMBEDDER_DLQ,
    MappingProxyType(EMBEDDER_DLQ_ARGUMENTS),
    (Binding(DEAD_LETTER_EXCHANGE, EMBEDDER_DLQ),),
)
TOPOLOGY = Topology(exchanges=(EVENTS, DEAD_LETTERS), queues=(EMBEDDER_DEAD_LETTERS, EMBEDDER))
# Declared by search-api's suggestions process alone (see parley_schema.events.routing).
SUGGESTIONS = Queue(
    SUGGESTIONS_QUEUE,
    MappingProxyType(SUGGESTIONS_QUEUE_ARGUMENTS),
    tuple(Binding(EVENTS_EXCHANGE, key) for key in SUGGESTIONS_BINDINGS),
)
SUGGESTIONS_TOPOLOGY = Topology(exchanges=(EVENTS,), queues=(SUGGESTIONS,))


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: ``*`` is exactly one word, ``#`` zero or more words."""

    def match(words: list[str], keys: list[str]) -> bool:
        if not words:
            return not keys
        head, rest = words[0], words[1:]
        if head == "#":
            return any(match(rest, keys[index:]) for index in range(len(keys) + 1))
        if not keys:
            return False
        return (head in ("*", keys[0])) and match(rest, keys[1:])

    return match(pattern.split("."), routing_key.split("."))


def has_declared_route(routing_key: str, topology: Topology = TOPOLOGY) -> bool:
    """True when some declared queue is bound to ``routing_key``: an unroutable publish on
    it is an error to retry; on any other key it only means nobody subscribes yet."""
    return any(topic_matches(pattern, routing_key) for pattern in topology.routing_patterns())


async def declare_topology(connection: AbstractConnection, topology: Topology = TOPOLOGY) -> None:
    """Declare every exchange, queue and binding of ``topology`` on ``connection``."""
    channel = await connection.channel()
    for exchange in topology.exchanges:
        channel = await _declare(connection, channel, exchange)
    for queue in topology.queues:
        channel = await _declare(connection, channel, queue)
        declared = await channel.get_queue(queue.name, ensure=False)
        for binding in queue.bindings:
            await declared.bind(binding.exchange, routing_key=binding.routing_key)
    await channel.close()


@dataclass(frozen=True)
class QueueState:
    messages: int  # ready to be delivered
    consumers: int


async def queue_state(connection: AbstractConnection, name: str) -> QueueState | None:
    """Queue ``name``'s counts from a passive declare on a channel of its own; None when the
    queue does not exist (yet)."""
    channel = await connection.channel()
    try:
        queue = await channel.declare_queue(name, passive=True)
    except aio_pika.exceptions.ChannelClosed:  # RabbitMQ closes the channel: no such queue
        return None
    try:
        result = queue.declaration_result
        return QueueState(int(result.message_count or 0), int(result.consumer_count or 0))
    finally:
        await channel.close()


async def queue_depth(connection: AbstractConnection, name: str) -> int:
    """Messages ready in queue ``name`` (0 when it does not exist yet)."""
    state = await queue_state(connection, name)
    return 0 if state is None else state.messages


async def _declare(
    connection: AbstractConnection, channel: AbstractChannel, thing: Exchange | Queue
) -> AbstractChannel:
    """Declare ``thing``; if it exists with other properties, accept it as it is.

    RabbitMQ closes the channel on a refused declaration, so the check uses a new one.
    """
    try:
        if isinstance(thing, Exchange):
            await channel.declare_exchange(
                thing.name, aio_pika.ExchangeType(thing.kind.value), durable=True
            )
        else:
            await channel.declare_queue(thing.name, durable=True, arguments=dict(thing.arguments))
    except aio_pika.exceptions.ChannelPreconditionFailed:
        log.warning("topology_declared_differently", name=thing.name)
        channel = await connection.channel()
        if isinstance(thing, Exchange):
            await channel.get_exchange(thing.name, ensure=True)
        else:
            await channel.get_queue(thing.name, ensure=True)
    return channel
