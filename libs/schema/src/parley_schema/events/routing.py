"""Exchange, queue and routing-key names (``<entity>.<verb>.v<major>``)."""

from __future__ import annotations

EVENTS_EXCHANGE = "parley.events"
DEAD_LETTER_EXCHANGE = "parley.dlx"

EMBEDDER_QUEUE = "parley.embedder"
EMBEDDER_DLQ = "parley.embedder.dlq"
# Every message.<verb>.v<major> and document.<verb>.v<major>: `*` would match one word only.
EMBEDDER_BINDINGS = ("message.#", "document.#")

MESSAGE_UPSERTED_V1 = "message.upserted.v1"
MESSAGE_DELETED_V1 = "message.deleted.v1"
CONVERSATION_UPSERTED_V1 = "conversation.upserted.v1"
CONTACT_UPSERTED_V1 = "contact.upserted.v1"
DOCUMENT_UPSERTED_V1 = "document.upserted.v1"
DOCUMENT_DELETED_V1 = "document.deleted.v1"

# Every published event carries the envelope's correlation id twice: as the AMQP
# ``correlation_id`` property and in this header (for tools that show headers only).
CORRELATION_ID_HEADER = "x-correlation-id"

# Declared identically by every process that declares the queue (RabbitMQ refuses a
# redeclaration with other arguments). After EMBEDDER_DELIVERY_LIMIT deliveries a message is
# dead-lettered to EMBEDDER_DLQ through DEAD_LETTER_EXCHANGE.
EMBEDDER_DELIVERY_LIMIT = 10
EMBEDDER_QUEUE_ARGUMENTS: dict[str, str | int] = {
    "x-queue-type": "quorum",
    "x-delivery-limit": EMBEDDER_DELIVERY_LIMIT,
    "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
    "x-dead-letter-routing-key": EMBEDDER_DLQ,
}

# The DLQ is a quorum queue too; both declaring services use these arguments.
EMBEDDER_DLQ_ARGUMENTS: dict[str, str | int] = {"x-queue-type": "quorum"}

# search-api's suggestions process (off by default) consumes new messages from its own queue.
# Only that process declares it, so no queue fills up where suggestions are off; a queue left
# behind keeps at most SUGGESTIONS_MAX_LENGTH messages (the oldest are dropped first), and a
# message that keeps failing is dropped after SUGGESTIONS_DELIVERY_LIMIT deliveries (a
# suggestion is best effort: no dead-letter queue to replay).
SUGGESTIONS_QUEUE = "parley.suggestions"
SUGGESTIONS_BINDINGS = (MESSAGE_UPSERTED_V1,)
SUGGESTIONS_DELIVERY_LIMIT = 5
SUGGESTIONS_MAX_LENGTH = 10_000
SUGGESTIONS_QUEUE_ARGUMENTS: dict[str, str | int] = {
    "x-queue-type": "quorum",
    "x-delivery-limit": SUGGESTIONS_DELIVERY_LIMIT,
    "x-max-length": SUGGESTIONS_MAX_LENGTH,
}
