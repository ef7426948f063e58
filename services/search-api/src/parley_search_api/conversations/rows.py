"""What a read returns of a conversation and its messages, read from labelled columns by name.

A search hit shows its conversation with the same facts as ``GET /v1/conversations/{id}``, so
the columns and their one mapping live here, next to the conversation reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from parley_schema.models import CwContact, CwConversation
from sqlalchemy import Label, RowMapping
from sqlalchemy.orm import QueryableAttribute


@dataclass(frozen=True)
class ConversationFacts:
    id: str
    display_id: int | None
    account_id: int | None
    inbox_id: int | None
    status: str | None
    labels: list[str]
    contact_id: str | None
    contact_name: str | None


@dataclass(frozen=True)
class MessageRow:
    id: str
    sender_type: str | None
    sender_name: str | None
    message_type: str | None
    private: bool
    created_at: datetime | None
    content: str | None


def conversation_columns(
    conversation_id: QueryableAttribute[Any],
    account_id: QueryableAttribute[Any],
    inbox_id: QueryableAttribute[Any],
) -> tuple[Label[Any], ...]:
    """The columns :func:`conversation_facts` reads, from ``cw_conversations`` and the
    outer-joined ``cw_contacts``. Id, account and inbox come from the statement's own table:
    a hit takes its chunk's copies, the ones its scope was checked against, which the outer
    join cannot lose."""
    return (
        conversation_id.label("conversation_id"),
        CwConversation.conversation_id.label("display_id"),
        account_id.label("account_id"),
        inbox_id.label("inbox_id"),
        CwConversation.status.label("status"),
        CwConversation.data["labels"].label("labels"),
        CwContact.id.label("contact_id"),
        CwContact.name.label("contact_name"),
    )


def conversation_facts(row: RowMapping) -> ConversationFacts:
    labels = row["labels"]
    return ConversationFacts(
        id=row["conversation_id"] or "",
        display_id=row["display_id"],
        account_id=row["account_id"],
        inbox_id=row["inbox_id"],
        status=row["status"],
        labels=[str(label) for label in labels] if isinstance(labels, list) else [],
        contact_id=row["contact_id"],
        contact_name=row["contact_name"],
    )
