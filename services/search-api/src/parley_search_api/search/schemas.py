"""Search requests and results."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from parley_schema.ids import ChatwootId, ContactGlobalId, ConversationGlobalId
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from parley_search_api.conversations.schemas import ContextMessage, ConversationSummary, MessageRead
from parley_search_api.settings import FusionMethod, TextSearchConfig

MAX_QUERY_CHARS = 1000
MAX_FILTER_VALUES = 100
MAX_LIMIT = 100
MAX_CONTEXT = 10


def _no_nul(value: str) -> str:
    """Postgres text cannot hold NUL; refuse it here rather than fail in the database."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Query = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY_CHARS),
    AfterValidator(_no_nul),
]
Label = Annotated[str, StringConstraints(min_length=1, max_length=255), AfterValidator(_no_nul)]


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    SEMANTIC = "semantic"
    KEYWORD = "keyword"


class GroupBy(StrEnum):
    NONE = "none"
    CONVERSATION = "conversation"


class SenderType(StrEnum):
    CONTACT = "contact"
    AGENT = "agent"
    BOT = "bot"


class MessageType(StrEnum):
    INCOMING = "incoming"
    OUTGOING = "outgoing"
    ACTIVITY = "activity"
    TEMPLATE = "template"


class ConversationStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    PENDING = "pending"
    SNOOZED = "snoozed"


def check_created_range(after: datetime | None, before: datetime | None) -> None:
    for name, value in (("created_after", after), ("created_before", before)):
        if value is not None and value.tzinfo is None:
            raise ValueError(f"{name} needs a timezone offset, e.g. 2026-01-31T00:00:00Z")
    if after is not None and before is not None and after >= before:
        raise ValueError("created_after must be earlier than created_before")


class SearchFilters(BaseModel):
    """Every filter narrows the caller's project scope further; none can widen it."""

    model_config = ConfigDict(extra="forbid")

    account_ids: list[ChatwootId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    inbox_ids: list[ChatwootId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    conversation_ids: list[ConversationGlobalId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    contact_ids: list[ContactGlobalId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    sender_types: list[SenderType] | None = Field(None, max_length=3)
    message_types: list[MessageType] | None = Field(None, max_length=4)
    statuses: list[ConversationStatus] | None = Field(None, max_length=4)
    labels: list[Label] | None = Field(None, max_length=MAX_FILTER_VALUES)
    created_after: datetime | None = None
    created_before: datetime | None = None
    include_private: bool = False

    @model_validator(mode="after")
    def _range_is_ordered(self) -> SearchFilters:
        check_created_range(self.created_after, self.created_before)
        return self


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: Query
    mode: SearchMode = SearchMode.HYBRID
    filters: SearchFilters = Field(default_factory=SearchFilters)
    group_by: GroupBy = GroupBy.NONE
    context: Annotated[int, Field(ge=0, le=MAX_CONTEXT)] = 0
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 20
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    text_config: TextSearchConfig | None = None  # None: the server's configured language
    fusion: FusionMethod | None = None  # None: the server's configured fusion


class SearchQueryParams(BaseModel):
    """``GET /v1/search``: the same request as flat query parameters (lists repeat the key)."""

    model_config = ConfigDict(extra="forbid")

    q: Query
    mode: SearchMode = SearchMode.HYBRID
    group_by: GroupBy = GroupBy.NONE
    context: Annotated[int, Field(ge=0, le=MAX_CONTEXT)] = 0
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 20
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    text_config: TextSearchConfig | None = None
    fusion: FusionMethod | None = None
    account_id: list[ChatwootId] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    inbox_id: list[ChatwootId] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    conversation_id: list[ConversationGlobalId] = Field(
        default_factory=list, max_length=MAX_FILTER_VALUES
    )
    contact_id: list[ContactGlobalId] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    sender_type: list[SenderType] = Field(default_factory=list, max_length=3)
    message_type: list[MessageType] = Field(default_factory=list, max_length=4)
    status: list[ConversationStatus] = Field(default_factory=list, max_length=4)
    label: list[Label] = Field(default_factory=list, max_length=MAX_FILTER_VALUES)
    created_after: datetime | None = None
    created_before: datetime | None = None
    include_private: bool = False

    @model_validator(mode="after")
    def _range_is_ordered(self) -> SearchQueryParams:
        check_created_range(self.created_after, self.created_before)
        return self

    def to_request(self) -> SearchRequest:
        filters = SearchFilters(
            account_ids=self.account_id or None,
            inbox_ids=self.inbox_id or None,
            conversation_ids=self.conversation_id or None,
            contact_ids=self.contact_id or None,
            sender_types=self.sender_type or None,
            message_types=self.message_type or None,
            statuses=self.status or None,
            labels=self.label or None,
            created_after=self.created_after,
            created_before=self.created_before,
            include_private=self.include_private,
        )
        return SearchRequest(
            q=self.q,
            mode=self.mode,
            filters=filters,
            group_by=self.group_by,
            context=self.context,
            limit=self.limit,
            cursor=self.cursor,
            text_config=self.text_config,
            fusion=self.fusion,
        )


class Scores(BaseModel):
    fused: float
    semantic: float | None  # cosine similarity of the best matching chunk
    keyword: float | None  # full-text rank plus trigram word similarity
    lift: float | None  # contact name/email/phone/identifier or display-id match


class HitContext(BaseModel):
    before: list[ContextMessage]
    after: list[ContextMessage]


class SearchHit(BaseModel):
    chunk_id: uuid.UUID
    text: str
    highlight: str | None  # HTML-escaped text with <mark> around keyword matches
    message: MessageRead
    conversation: ConversationSummary
    scores: Scores
    context: HitContext | None


class SimilarConversations(BaseModel):
    hits: list[SearchHit]  # one per conversation, shown by its closest chunk


class SearchResponse(BaseModel):
    hits: list[SearchHit]
    next_cursor: str | None
    mode: SearchMode
    fusion: FusionMethod | None  # None for single-component modes
