"""The ``data`` of each event type. Ids and version facts only: consumers read current rows.

``updated_at`` is the version of the row the event describes (the ingest service documents how
it orders versions); a consumer that has already applied a newer version treats it as stale.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from parley_schema.events.routing import (
    CONTACT_UPSERTED_V1,
    CONVERSATION_UPSERTED_V1,
    MESSAGE_DELETED_V1,
    MESSAGE_UPSERTED_V1,
)


class EventPayload(BaseModel):
    """Base of every payload; ``ROUTING_KEY`` names the event type it travels as."""

    model_config = ConfigDict(frozen=True, extra="ignore")
    ROUTING_KEY: ClassVar[str]


class MessageUpsertedV1(EventPayload):
    """A message was created or edited; its searchable text is ``cw_messages.content``."""

    ROUTING_KEY: ClassVar[str] = MESSAGE_UPSERTED_V1
    message_global_id: str
    conversation_global_id: str
    updated_at: datetime
    content_sha256: str | None = Field(
        description="sha256 hex of cw_messages.content; None when the message has no text"
    )


class MessageDeletedV1(EventPayload):
    """A message was deleted in Chatwoot (``cw_messages.deleted_at`` is set)."""

    ROUTING_KEY: ClassVar[str] = MESSAGE_DELETED_V1
    message_global_id: str
    conversation_global_id: str
    updated_at: datetime


class ConversationUpsertedV1(EventPayload):
    ROUTING_KEY: ClassVar[str] = CONVERSATION_UPSERTED_V1
    conversation_global_id: str
    updated_at: datetime


class ContactUpsertedV1(EventPayload):
    ROUTING_KEY: ClassVar[str] = CONTACT_UPSERTED_V1
    contact_global_id: str
    updated_at: datetime
