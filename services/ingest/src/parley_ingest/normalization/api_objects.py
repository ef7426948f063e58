"""Rows from objects read through Chatwoot's REST API (the backfill's input).

The REST views use the push-event shapes: conversations as in the webhook's ``push_data``
(``id`` is the display id, ``meta.sender`` the contact), messages with an integer
``message_type`` and unix ``created_at``, contacts as in ``Contact#push_event_data``. Their
version is the time they were read (see :mod:`parley_ingest.normalization.versioning`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from parley_ingest.normalization.errors import InvalidPayload
from parley_ingest.normalization.rows import (
    ContactRow,
    RowBatch,
    contact_row,
    conversation_rows,
    message_row,
)
from parley_ingest.normalization.schemas import ContactObject, ConversationObject, MessageObject


def contact_from_api(raw: dict[str, Any], *, account_id: int, version: datetime) -> ContactRow:
    try:
        contact = ContactObject.model_validate(raw)
    except ValidationError as error:
        raise InvalidPayload.from_validation(error) from None
    return contact_row(contact, raw, account_id=account_id, version=version)


def conversation_from_api(
    raw: dict[str, Any],
    raw_messages: list[dict[str, Any]],
    *,
    account_id: int,
    version: datetime,
) -> tuple[RowBatch, int]:
    """The conversation, its contact and its valid messages; and how many were skipped."""
    try:
        conversation = ConversationObject.model_validate(raw)
    except ValidationError as error:
        raise InvalidPayload.from_validation(error) from None
    batch = conversation_rows(conversation, raw, account_id=account_id, version=version)
    skipped = 0
    for raw_message in raw_messages:
        try:
            message = MessageObject.model_validate(raw_message)
        except ValidationError:
            skipped += 1
            continue
        batch.messages.append(
            message_row(
                message,
                raw_message,
                account_id=account_id,
                conversation=conversation,
                version=version,
            )
        )
    return batch, skipped
