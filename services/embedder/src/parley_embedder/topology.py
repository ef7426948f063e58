"""FastStream's view of the queue the embedder consumes from (``parley_broker.EMBEDDER``).

``parley_broker.declare_topology`` declares everything before the broker starts, so these
objects only name what exists (``declare=False``): one declaration, in one place.
"""

from __future__ import annotations

from faststream.rabbit import ExchangeType, QueueType, RabbitExchange, RabbitQueue
from parley_broker import EMBEDDER as EMBEDDER_QUEUE
from parley_broker import EVENTS as EVENTS_EXCHANGE

EVENTS = RabbitExchange(EVENTS_EXCHANGE.name, type=ExchangeType.TOPIC, declare=False)
EMBEDDER = RabbitQueue(  # type: ignore[call-overload]
    EMBEDDER_QUEUE.name,
    queue_type=QueueType(EMBEDDER_QUEUE.queue_type),
    durable=True,
    declare=False,
    arguments=dict(EMBEDDER_QUEUE.arguments),
    routing_key=EMBEDDER_QUEUE.bindings[0].routing_key,
)
