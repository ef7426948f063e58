"""FastStream's view of what :func:`parley_broker.declare_topology` declares.

Consumers declare everything before their broker starts, so these objects only name what
exists (``declare=False``): one declaration, in one place.
"""

from __future__ import annotations

from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue

from parley_broker.topology import Exchange, Queue


def exchange_view(exchange: Exchange) -> RabbitExchange:
    return RabbitExchange(exchange.name, type=ExchangeType(exchange.kind.value), declare=False)


def queue_view(queue: Queue) -> RabbitQueue:
    """The queue as a subscriber names it; its first binding is the routing key shown."""
    return RabbitQueue(  # type: ignore[call-overload,no-any-return]
        queue.name,
        queue_type=QueueType(queue.queue_type),
        durable=True,
        declare=False,
        arguments=dict(queue.arguments),
        routing_key=queue.bindings[0].routing_key,
    )
