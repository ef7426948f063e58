"""Event contracts shared by publishers and consumers."""

from parley_schema.events.envelope import EventEnvelope
from parley_schema.events.routing import DEAD_LETTER_EXCHANGE, EVENTS_EXCHANGE

__all__ = ["DEAD_LETTER_EXCHANGE", "EVENTS_EXCHANGE", "EventEnvelope"]
