"""``POST /v1/conversations/search``: conversations by their facts, without a text query."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from parley_schema.ids import ChatwootId, ContactGlobalId
from pydantic import BaseModel, ConfigDict, Field, model_validator

from parley_search_api.attributes.schemas import AttributeConditions
from parley_search_api.contacts.schemas import Cursor, Direction
from parley_search_api.conversations.schemas import ConversationSummary
from parley_search_api.search.schemas import MAX_FILTER_VALUES, ConversationStatus, Label

MAX_CONVERSATIONS_LIMIT = 100


class ConversationFilters(BaseModel):
    """Narrow the conversations of the caller's project; combined with AND. Dates are
    Chatwoot's (``created_at``, ``last_activity_at``): ``*_after`` inclusive, ``*_before``
    exclusive."""

    model_config = ConfigDict(extra="forbid")

    account_ids: list[ChatwootId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    inbox_ids: list[ChatwootId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    assignee_ids: list[ChatwootId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    unassigned: bool | None = None  # true: no assignee; false: some assignee
    contact_ids: list[ContactGlobalId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    statuses: list[ConversationStatus] | None = Field(None, max_length=4)
    labels: list[Label] | None = Field(None, max_length=MAX_FILTER_VALUES)  # any of
    labels_all: list[Label] | None = Field(None, max_length=MAX_FILTER_VALUES)
    conversation_attributes: AttributeConditions | None = None
    contact_attributes: AttributeConditions | None = None
    contact_labels: list[Label] | None = Field(None, max_length=MAX_FILTER_VALUES)  # any of
    contact_labels_all: list[Label] | None = Field(None, max_length=MAX_FILTER_VALUES)
    created_after: datetime | None = None
    created_before: datetime | None = None
    last_activity_after: datetime | None = None
    last_activity_before: datetime | None = None

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> ConversationFilters:
        for prefix in ("created", "last_activity"):
            after = getattr(self, f"{prefix}_after")
            before = getattr(self, f"{prefix}_before")
            for name, value in ((f"{prefix}_after", after), (f"{prefix}_before", before)):
                if value is not None and value.tzinfo is None:
                    raise ValueError(f"{name} needs a timezone offset, e.g. 2026-01-31T00:00:00Z")
            if after is not None and before is not None and after >= before:
                raise ValueError(f"{prefix}_after must be earlier than {prefix}_before")
        return self


class ConversationOrderField(StrEnum):
    LAST_ACTIVITY_AT = "last_activity_at"
    CREATED_AT = "created_at"


class ConversationOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: ConversationOrderField = ConversationOrderField.LAST_ACTIVITY_AT
    direction: Direction = Direction.DESC


class ConversationSearchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "filters": {"statuses": ["open"], "contact_labels": ["hot-lead"]},
                    "order_by": {"field": "last_activity_at", "direction": "desc"},
                }
            ]
        },
    )

    filters: ConversationFilters = Field(default_factory=ConversationFilters)
    order_by: ConversationOrder = Field(default_factory=ConversationOrder)
    limit: Annotated[int, Field(ge=1, le=MAX_CONVERSATIONS_LIMIT)] = 25
    cursor: Cursor | None = None


class ConversationListItem(ConversationSummary):
    assignee_id: int | None
    custom_attributes: dict[str, Any]
    created_at: datetime | None  # Chatwoot's
    last_activity_at: datetime | None


class ConversationSearchResponse(BaseModel):
    conversations: list[ConversationListItem]
    next_cursor: str | None
