"""Rows as Parley stores them, built from validated Chatwoot objects.

Every row carries a ``version`` (stored in ``updated_at``) that orders its states; see
:mod:`parley_ingest.normalization.versioning` for the rule that decides which state wins.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from parley_schema.ids import contact_global_id, conversation_global_id, message_global_id

from parley_ingest.normalization.schemas import (
    ContactObject,
    ConversationObject,
    MessageObject,
)
from parley_ingest.normalization.text_cleaning import plain_text

# Keys of a webhook body that describe the delivery, not the object.
DELIVERY_KEYS = frozenset({"event", "changed_attributes"})


@dataclass(frozen=True, kw_only=True)
class StoredRow:
    """What every stored Chatwoot object has: global id, account, raw object, version."""

    id: str
    account_id: int
    data: dict[str, Any]
    version: datetime


@dataclass(frozen=True, kw_only=True)
class ContactRow(StoredRow):
    contact_id: int
    name: str | None
    email: str | None
    phone_number: str | None
    identifier: str | None
    custom_attributes: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class ConversationRow(StoredRow):
    conversation_id: int
    contact_global_id: str | None
    inbox_id: int | None
    status: str | None
    assignee_id: int | None


@dataclass(frozen=True, kw_only=True)
class MessageRow(StoredRow):
    message_id: int
    conversation_id: int
    conversation_global_id: str
    contact_global_id: str | None
    sender_type: str | None
    sender_id: int | None
    private: bool
    message_type: str
    content: str | None  # searchable plain text; None for attachment-only and deleted messages
    created_at: datetime
    deleted: bool

    @property
    def content_sha256(self) -> str | None:
        if self.content is None:
            return None
        return hashlib.sha256(self.content.encode()).hexdigest()


@dataclass
class RowBatch:
    """Everything one webhook or one backfill page writes, in lock order."""

    contacts: list[ContactRow] = field(default_factory=list)
    conversations: list[ConversationRow] = field(default_factory=list)
    messages: list[MessageRow] = field(default_factory=list)
    # Contacts whose labels to read again from the REST API (a contact event names them).
    labels_stale: list[str] = field(default_factory=list)


def raw_object(raw: dict[str, Any]) -> dict[str, Any]:
    """The object exactly as Chatwoot sent it, without delivery-level keys."""
    return {key: value for key, value in raw.items() if key not in DELIVERY_KEYS}


def contact_row(
    contact: ContactObject, raw: dict[str, Any], *, account_id: int, version: datetime
) -> ContactRow:
    return ContactRow(
        id=contact_global_id(account_id, contact.id),
        account_id=account_id,
        contact_id=contact.id,
        name=contact.name,
        email=contact.email,
        phone_number=contact.phone_number,
        identifier=contact.identifier,
        custom_attributes=contact.custom_attributes or {},
        data=raw_object(raw),
        version=version,
    )


def conversation_row(
    conversation: ConversationObject, raw: dict[str, Any], *, account_id: int, version: datetime
) -> ConversationRow:
    """``version`` is used only when the payload has no ``updated_at``."""
    sender = conversation.meta.sender
    assignee = conversation.meta.assignee
    return ConversationRow(
        id=conversation_global_id(account_id, conversation.id),
        account_id=account_id,
        conversation_id=conversation.id,
        contact_global_id=contact_global_id(account_id, sender.id) if sender else None,
        inbox_id=conversation.inbox_id,
        status=conversation.status,
        assignee_id=assignee.id if assignee else None,
        data=raw_object(raw),
        version=conversation.updated_at or version,
    )


def conversation_rows(
    conversation: ConversationObject, raw: dict[str, Any], *, account_id: int, version: datetime
) -> RowBatch:
    """The conversation's row and, when it names one, its contact's (``meta.sender``)."""
    batch = RowBatch(
        conversations=[conversation_row(conversation, raw, account_id=account_id, version=version)]
    )
    sender = conversation.meta.sender
    if sender is not None:
        batch.contacts.append(
            contact_row(sender, raw["meta"]["sender"], account_id=account_id, version=version)
        )
    return batch


def sender_type(message: MessageObject) -> str | None:
    """Chatwoot's sender type; older payloads omit it, so it follows from the direction."""
    if message.sender is not None and message.sender.type:
        return message.sender.type
    return {"incoming": "contact", "outgoing": "user", "template": "user"}.get(message.message_type)


def message_row(
    message: MessageObject,
    raw: dict[str, Any],
    *,
    account_id: int,
    conversation: ConversationObject,
    version: datetime,
) -> MessageRow:
    """``conversation`` is the one the message belongs to (its contact is the message's)."""
    data = raw_object(raw)
    data.pop("conversation", None)  # stored as the conversation's own row
    contact = conversation.meta.sender
    return MessageRow(
        id=message_global_id(account_id, message.id),
        account_id=account_id,
        message_id=message.id,
        conversation_id=conversation.id,
        conversation_global_id=conversation_global_id(account_id, conversation.id),
        contact_global_id=contact_global_id(account_id, contact.id) if contact else None,
        sender_type=sender_type(message),
        sender_id=message.sender.id if message.sender else None,
        private=message.private,
        message_type=message.message_type,
        content=None if message.deleted else plain_text(message.content),
        data=data,
        created_at=message.created_at,
        version=version,
        deleted=message.deleted,
    )


def conversation_activity(row: ConversationRow) -> datetime | None:
    """When the conversation was last active: Chatwoot's ``last_activity_at`` (unix seconds),
    else ``timestamp``, else None."""
    for key in ("last_activity_at", "timestamp"):
        value = row.data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return datetime.fromtimestamp(value, UTC)
    return None
