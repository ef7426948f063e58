"""A conversation and its messages, as a read and inside every search hit."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class MessageRead(BaseModel):
    id: str
    sender_type: str | None
    sender_name: str | None
    message_type: str | None
    private: bool
    created_at: datetime | None


class ContextMessage(MessageRead):
    content: str | None


class ContactRead(BaseModel):
    id: str
    name: str | None


class ConversationSummary(BaseModel):
    id: str
    display_id: int | None
    account_id: int | None
    inbox_id: int | None
    status: str | None
    labels: list[str]
    contact: ContactRead | None
    url: str | None  # the conversation in Chatwoot, when its base URL is configured


class ConversationRead(BaseModel):
    conversation: ConversationSummary
    messages: list[ContextMessage]  # oldest first; deleted messages left out
    truncated: bool  # more messages exist than the server returns at once
