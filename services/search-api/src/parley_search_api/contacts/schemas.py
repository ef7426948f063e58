"""``POST /v1/contacts/search``: a segment of contacts, ordered and paged."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from parley_schema.ids import ChatwootId, ContactGlobalId
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from parley_search_api.attributes.schemas import AttributeConditions, AttributeKey
from parley_search_api.search.schemas import MAX_FILTER_VALUES, Label, Query

MAX_CONTACTS_LIMIT = 100
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Direction(StrEnum):
    ASC = "asc"
    DESC = "desc"


class ContactFilters(BaseModel):
    """Narrow the contacts of the caller's project; combined with AND."""

    model_config = ConfigDict(extra="forbid")

    account_ids: list[ChatwootId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    contact_ids: list[ContactGlobalId] | None = Field(None, max_length=MAX_FILTER_VALUES)
    contact_attributes: AttributeConditions | None = None
    contact_labels: list[Label] | None = Field(None, max_length=MAX_FILTER_VALUES)  # any of
    contact_labels_all: list[Label] | None = Field(None, max_length=MAX_FILTER_VALUES)


class ContactOrderField(StrEnum):
    LAST_ACTIVITY_AT = "last_activity_at"
    NAME = "name"


class ContactOrder(BaseModel):
    """By one custom attribute (numbers, numeric strings included, before other text; missing
    values last) or by a field; ties are broken by id."""

    model_config = ConfigDict(extra="forbid")

    attribute: AttributeKey | None = None
    field: ContactOrderField | None = None
    direction: Direction = Direction.DESC

    @model_validator(mode="after")
    def _one_key(self) -> ContactOrder:
        if (self.attribute is None) == (self.field is None):
            raise ValueError("order_by takes exactly one of attribute or field")
        return self


class ContactSearchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "filters": {
                        "contact_attributes": [
                            {"key": "lead_status", "op": "eq", "value": "qualified"}
                        ],
                        "contact_labels": ["hot-lead"],
                    },
                    "order_by": {"attribute": "qualification_score", "direction": "desc"},
                }
            ]
        },
    )

    # Words of the contact's name, email, phone number or identifier (case-insensitive).
    q: Query | None = None
    filters: ContactFilters = Field(default_factory=ContactFilters)
    order_by: ContactOrder = Field(
        default_factory=lambda: ContactOrder(field=ContactOrderField.LAST_ACTIVITY_AT)
    )
    limit: Annotated[int, Field(ge=1, le=MAX_CONTACTS_LIMIT)] = 25
    cursor: Cursor | None = None


class ContactListItem(BaseModel):
    id: str  # cwc:<account>:<contact>
    account_id: int
    contact_id: int
    name: str | None
    email: str | None
    phone_number: str | None
    identifier: str | None
    custom_attributes: dict[str, Any]
    labels: list[str]  # read from Chatwoot's REST API by ingest; [] until first read
    conversation_count: int  # conversations in the caller's project
    last_activity_at: datetime | None
    url: str | None  # the contact in Chatwoot, when its base URL is configured


class ContactSearchResponse(BaseModel):
    contacts: list[ContactListItem]
    next_cursor: str | None
