"""Search requests and results."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from parley_schema.ids import ChatwootId, ContactGlobalId, ConversationGlobalId
from parley_schema.models import CATEGORY_PATTERN
from parley_schema.postgres_values import postgres_text
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from parley_search_api.attributes.schemas import AttributeConditions
from parley_search_api.conversations.schemas import ContextMessage, ConversationSummary, MessageRead
from parley_search_api.settings import FusionMethod, TextSearchConfig

MAX_QUERY_CHARS = 1000
MAX_FILTER_VALUES = 100
MAX_LIMIT = 100
MAX_CONTEXT = 10


Query = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUERY_CHARS),
    AfterValidator(postgres_text),
]
Label = Annotated[
    str, StringConstraints(min_length=1, max_length=255), AfterValidator(postgres_text)
]
Category = Annotated[str, StringConstraints(pattern=CATEGORY_PATTERN)]
# BCP 47-ish, as Chatwoot's portals spell them: en, pt_BR, zh-Hant.
Locale = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,3}$")]
MAX_METADATA_CHARS = 2000


def _json_for_postgres(value: Any) -> Any:
    """Every string of a JSON value (keys too) as Postgres ``jsonb`` takes it."""
    if isinstance(value, str):
        return postgres_text(value)
    if isinstance(value, list):
        return [_json_for_postgres(item) for item in value]
    if isinstance(value, dict):
        return {postgres_text(k): _json_for_postgres(v) for k, v in value.items()}
    return value


def _small_json(value: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(value)) > MAX_METADATA_CHARS:
        raise ValueError(f"must be at most {MAX_METADATA_CHARS} characters of JSON")
    return value


Metadata = Annotated[
    dict[str, Any], AfterValidator(_json_for_postgres), AfterValidator(_small_json)
]


class SearchSource(StrEnum):
    """What a search looks in: conversations (their messages), Help Center articles, and
    documents uploaded to the project."""

    CONVERSATIONS = "conversations"
    ARTICLES = "articles"
    DOCUMENTS = "documents"


class HitKind(StrEnum):
    MESSAGE = "message"
    ARTICLE = "article"
    DOCUMENT = "document"


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


class FlatSearchFilters(BaseModel):
    """The filters ``GET /v1/search`` takes as query parameters too. Every filter narrows the
    caller's project scope further; none can widen it."""

    model_config = ConfigDict(extra="forbid")

    account_ids: list[ChatwootId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    inbox_ids: list[ChatwootId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    conversation_ids: list[ConversationGlobalId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    contact_ids: list[ContactGlobalId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    sender_types: list[SenderType] | None = Field(None, max_length=3)
    message_types: list[MessageType] | None = Field(None, max_length=4)
    statuses: list[ConversationStatus] | None = Field(None, max_length=4)
    labels: list[Label] | None = Field(None, max_length=MAX_FILTER_VALUES)  # any of them
    labels_all: list[Label] | None = Field(None, max_length=MAX_FILTER_VALUES)  # all of them
    # The conversation's contact has any of ``contact_labels`` and all of ``contact_labels_all``.
    contact_labels: list[Label] | None = Field(None, max_length=MAX_FILTER_VALUES)
    contact_labels_all: list[Label] | None = Field(None, max_length=MAX_FILTER_VALUES)
    created_after: datetime | None = None
    created_before: datetime | None = None
    include_private: bool = False
    # Knowledge documents only (a message has no category or locale): any of these.
    categories: list[Category] | None = Field(None, max_length=MAX_FILTER_VALUES)
    locales: list[Locale] | None = Field(None, max_length=MAX_FILTER_VALUES)

    @model_validator(mode="after")
    def _range_is_ordered(self) -> FlatSearchFilters:
        after, before = self.created_after, self.created_before
        for name, value in (("created_after", after), ("created_before", before)):
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} needs a timezone offset, e.g. 2026-01-31T00:00:00Z")
        if after is not None and before is not None and after >= before:
            raise ValueError("created_after must be earlier than created_before")
        return self


class SearchFilters(FlatSearchFilters):
    """Every filter narrows the caller's project scope further; none can widen it.

    ``contact_attributes`` and ``conversation_attributes`` (conditions on Chatwoot's
    ``custom_attributes``, combined with AND: ``attributes.schemas``) are taken in a JSON body
    only (``POST /v1/search``).
    """

    contact_attributes: AttributeConditions | None = None
    conversation_attributes: AttributeConditions | None = None
    # Knowledge documents whose metadata contains this JSON object (Postgres ``@>``).
    metadata: Metadata | None = Field(None, examples=[{"audience": "customers"}])


class SearchOptions(BaseModel):
    """Everything a search asks but its filters: POST's top level, and GET's own parameters."""

    model_config = ConfigDict(extra="forbid")

    q: Annotated[Query, Field(examples=["refund for a double charge", "0x80070005", "#42"])]
    mode: SearchMode = SearchMode.HYBRID
    group_by: GroupBy = GroupBy.NONE
    context: Annotated[int, Field(ge=0, le=MAX_CONTEXT)] = 0
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 20
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    text_config: TextSearchConfig | None = None  # None: the server's configured language
    fusion: FusionMethod | None = None  # None: the server's configured fusion
    sources: list[SearchSource] = Field(
        default_factory=lambda: list(SearchSource), min_length=1, max_length=len(SearchSource)
    )
    # The least cosine similarity a semantic match needs (seed 003's threshold): weaker ones
    # are dropped before fusion; keyword matches are kept (they contain the words).
    min_score: Annotated[float, Field(ge=-1.0, le=1.0)] | None = None


class SearchRequest(SearchOptions):  # POST /v1/search
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"q": "refund for a double charge"},
                {
                    "q": "printer out of toner",
                    "mode": "keyword",
                    "group_by": "conversation",
                    "filters": {"statuses": ["open"], "sender_types": ["contact"]},
                },
            ]
        }
    )

    filters: SearchFilters = Field(default_factory=SearchFilters)


# A list filter is one query parameter, repeated per value and named in the singular
# (``account_id=1&account_id=2``); the others keep their names.
QUERY_PARAMETER_OF_FILTER = {
    "account_ids": "account_id",
    "inbox_ids": "inbox_id",
    "conversation_ids": "conversation_id",
    "contact_ids": "contact_id",
    "sender_types": "sender_type",
    "message_types": "message_type",
    "statuses": "status",
    "labels": "label",
    "labels_all": "label_all",
    "contact_labels": "contact_label",
    "contact_labels_all": "contact_label_all",
    "categories": "category",
    "locales": "locale",
    "sources": "source",
}


def _query_parameter(field: str) -> str:
    return QUERY_PARAMETER_OF_FILTER.get(field, field)


class SearchQueryParams(FlatSearchFilters, SearchOptions):
    """``GET /v1/search``: the same request as flat query parameters. Its fields, bounds and
    checks are those of ``SearchOptions`` and ``FlatSearchFilters``; only the names differ."""

    model_config = ConfigDict(extra="forbid", alias_generator=_query_parameter)

    def to_request(self) -> SearchRequest:
        options = self.model_dump(include=set(SearchOptions.model_fields))
        filters = self.model_dump(include=set(FlatSearchFilters.model_fields))
        return SearchRequest.model_validate({**options, "filters": filters})


class Scores(BaseModel):
    fused: float
    semantic: float | None  # cosine similarity of the best matching chunk
    keyword: float | None  # full-text rank plus trigram word similarity
    lift: float | None  # contact name/email/phone/identifier or display-id match


class HitContext(BaseModel):
    before: list[ContextMessage]
    after: list[ContextMessage]


class DocumentSummary(BaseModel):
    """The knowledge document a hit comes from."""

    id: str  # cwart:<account>:<article> or kbdoc:<uuid>
    title: str
    url: str | None
    category: str
    locale: str | None
    version: int


class SearchHit(BaseModel):
    chunk_id: uuid.UUID
    kind: HitKind  # message hits carry message and conversation, the others document
    text: str
    highlight: str | None  # HTML-escaped text with <mark> around keyword matches
    message: MessageRead | None
    conversation: ConversationSummary | None
    document: DocumentSummary | None = None
    heading_path: list[str] | None = None  # knowledge hits: the headings above the text
    page_number: int | None = None  # knowledge hits from paged files (PDF)
    scores: Scores
    context: HitContext | None


class SearchResponse(BaseModel):
    hits: list[SearchHit]
    next_cursor: str | None
    mode: SearchMode
    fusion: FusionMethod | None  # None for single-component modes
