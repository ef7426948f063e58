"""Saved segments: a name and the filters of one listing, per project."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from parley_search_api.contacts.schemas import ContactFilters
from parley_search_api.conversations.listing import ConversationFilters
from parley_search_api.search.schemas import Query

# What a name shows is what is stored: surrounding blanks are dropped; a blank name is refused.
SegmentName = Annotated[Query, StringConstraints(max_length=255)]


class ContactSegment(BaseModel):
    """``filters`` are those of ``POST /v1/contacts/search``."""

    model_config = ConfigDict(extra="forbid")

    name: SegmentName
    target: Literal["contacts"]
    filters: ContactFilters = Field(default_factory=ContactFilters)


class ConversationSegment(BaseModel):
    """``filters`` are those of ``POST /v1/conversations/search``."""

    model_config = ConfigDict(extra="forbid")

    name: SegmentName
    target: Literal["conversations"]
    filters: ConversationFilters = Field(default_factory=ConversationFilters)


SegmentWrite = Annotated[ContactSegment | ConversationSegment, Field(discriminator="target")]


class SegmentRead(BaseModel):
    id: uuid.UUID
    name: str
    target: Literal["contacts", "conversations"]
    filters: dict[str, Any]  # as the listing named by ``target`` takes them
    created_at: datetime
    updated_at: datetime


class SegmentList(BaseModel):
    segments: list[SegmentRead]  # by name
