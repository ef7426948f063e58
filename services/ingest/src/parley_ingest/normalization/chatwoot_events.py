"""Rows from one Chatwoot webhook body (``event`` tells which object it carries).

A message event also carries its conversation (``conversation``) and that conversation's
contact (``conversation.meta.sender``): all three are upserted, so a message never points at
a conversation Parley has not stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from parley_ingest.normalization.errors import InvalidPayload
from parley_ingest.normalization.rows import (
    RowBatch,
    contact_row,
    conversation_rows,
    message_row,
)
from parley_ingest.normalization.schemas import ContactEvent, ConversationEvent, MessageEvent

MESSAGE_EVENTS = frozenset({"message_created", "message_updated"})
CONVERSATION_EVENTS = frozenset(
    {"conversation_created", "conversation_updated", "conversation_status_changed"}
)
CONTACT_EVENTS = frozenset({"contact_created", "contact_updated"})
STORED_EVENTS = MESSAGE_EVENTS | CONVERSATION_EVENTS | CONTACT_EVENTS


def rows_from_event(
    event: str, raw: dict[str, Any], *, account_id: int, version: datetime
) -> RowBatch:
    """Validate ``raw`` for ``event`` (one of :data:`STORED_EVENTS`) and build its rows."""
    try:
        if event in MESSAGE_EVENTS:
            return _message_rows(raw, account_id=account_id, version=version)
        if event in CONVERSATION_EVENTS:
            conversation = ConversationEvent.model_validate(raw)
            return conversation_rows(conversation, raw, account_id=account_id, version=version)
        contact = ContactEvent.model_validate(raw)
    except ValidationError as error:
        raise InvalidPayload.from_validation(error) from None
    row = contact_row(contact, raw, account_id=account_id, version=version)
    # Webhooks carry no contact labels: a contact event marks them stale, and ingest's
    # contact-label sync reads them from the REST API (contact_labels.service).
    return RowBatch(contacts=[row], labels_stale=[row.id])


def _message_rows(raw: dict[str, Any], *, account_id: int, version: datetime) -> RowBatch:
    message = MessageEvent.model_validate(raw)
    conversation = message.conversation
    batch = conversation_rows(
        conversation, raw["conversation"], account_id=account_id, version=version
    )
    batch.messages.append(
        message_row(message, raw, account_id=account_id, conversation=conversation, version=version)
    )
    return batch
