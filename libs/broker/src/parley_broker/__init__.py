"""Parley's RabbitMQ objects, declared by one function every process shares."""

from parley_broker.topology import (
    DEAD_LETTERS,
    EMBEDDER,
    EMBEDDER_DEAD_LETTERS,
    EVENTS,
    TOPOLOGY,
    Binding,
    Exchange,
    Queue,
    QueueState,
    Topology,
    declare_topology,
    has_declared_route,
    queue_depth,
    queue_state,
    topic_matches,
)

__all__ = [
    "DEAD_LETTERS",
    "EMBEDDER",
    "EMBEDDER_DEAD_LETTERS",
    "EVENTS",
    "TOPOLOGY",
    "Binding",
    "Exchange",
    "Queue",
    "QueueState",
    "Topology",
    "declare_topology",
    "has_declared_route",
    "queue_depth",
    "queue_state",
    "topic_matches",
]
