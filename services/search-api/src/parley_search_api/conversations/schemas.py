"""One conversation with its messages, and conversations similar to it."""

from __future__ import annotations

from pydantic import BaseModel

from parley_search_api.search.schemas import ContextMessage, ConversationSummary, SearchHit


class ConversationRead(BaseModel):
    conversation: ConversationSummary
    messages: list[ContextMessage]  # oldest first; deleted messages left out
    truncated: bool  # more messages exist than the server returns at once


class SimilarConversations(BaseModel):
    hits: list[SearchHit]  # one per conversation, shown by its closest chunk
