"""Event contracts shared by publishers and consumers."""

from parley_schema.events.envelope import EventEnvelope
from parley_schema.events.payloads import (
    ContactUpsertedV1,
    ConversationUpsertedV1,
    EventPayload,
    MessageDeletedV1,
    MessageUpsertedV1,
)
from parley_schema.events.routing import (
    CONTACT_UPSERTED_V1,
    CONVERSATION_UPSERTED_V1,
    CORRELATION_ID_HEADER,
    DEAD_LETTER_EXCHANGE,
    EMBEDDER_BINDING,
    EMBEDDER_DELIVERY_LIMIT,
    EMBEDDER_DLQ,
    EMBEDDER_DLQ_ARGUMENTS,
    EMBEDDER_QUEUE,
    EMBEDDER_QUEUE_ARGUMENTS,
    EVENTS_EXCHANGE,
    MESSAGE_DELETED_V1,
    MESSAGE_UPSERTED_V1,
)

__all__ = [
    "CONTACT_UPSERTED_V1",
    "CONVERSATION_UPSERTED_V1",
    "CORRELATION_ID_HEADER",
    "DEAD_LETTER_EXCHANGE",
    "EMBEDDER_BINDING",
    "EMBEDDER_DELIVERY_LIMIT",
    "EMBEDDER_DLQ",
    "EMBEDDER_DLQ_ARGUMENTS",
    "EMBEDDER_QUEUE",
    "EMBEDDER_QUEUE_ARGUMENTS",
    "EVENTS_EXCHANGE",
    "MESSAGE_DELETED_V1",
    "MESSAGE_UPSERTED_V1",
    "ContactUpsertedV1",
    "ConversationUpsertedV1",
    "EventEnvelope",
    "EventPayload",
    "MessageDeletedV1",
    "MessageUpsertedV1",
]
