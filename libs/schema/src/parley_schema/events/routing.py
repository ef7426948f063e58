"""Exchange, queue and routing-key names (``<entity>.<verb>.v<major>``)."""

from __future__ import annotations

EVENTS_EXCHANGE = "parley.events"
DEAD_LETTER_EXCHANGE = "parley.dlx"

EMBEDDER_QUEUE = "parley.embedder"
EMBEDDER_DLQ = "parley.embedder.dlq"
EMBEDDER_BINDING = "message.*"

MESSAGE_UPSERTED_V1 = "message.upserted.v1"
MESSAGE_DELETED_V1 = "message.deleted.v1"
CONVERSATION_UPSERTED_V1 = "conversation.upserted.v1"
CONTACT_UPSERTED_V1 = "contact.upserted.v1"
