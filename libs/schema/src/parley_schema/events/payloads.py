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
    DOCUMENT_DELETED_V1,
    DOCUMENT_UPSERTED_V1,
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


class DocumentUpsertedV1(EventPayload):
    """A knowledge document was stored or changed; its text is ``kb_documents.body``.

    The envelope's ``account_id`` is the article's account, or ``None`` for an upload
    (``project_id`` then names its project).
    """

    ROUTING_KEY: ClassVar[str] = DOCUMENT_UPSERTED_V1
    document_global_id: str
    project_id: str | None = None
    version: int
    updated_at: datetime
    content_sha256: str | None


class DocumentDeletedV1(EventPayload):
    """A knowledge document was deleted or left search (archived, unpublished)."""

    ROUTING_KEY: ClassVar[str] = DOCUMENT_DELETED_V1
    document_global_id: str
    project_id: str | None = None
    updated_at: datetime
