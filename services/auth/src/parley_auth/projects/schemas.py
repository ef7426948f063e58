from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from parley_schema.ids import ChatwootId
from pydantic import BaseModel, Field

from parley_auth.schemas_common import Name
from parley_auth.users.schemas import Username


class ProjectRole(StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class ProjectCreate(BaseModel):
    name: Name


class ProjectUpdate(BaseModel):
    name: Name


class ProjectRead(BaseModel):
    id: uuid.UUID
    name: str
    role: ProjectRole
    created_at: datetime


class MemberCreate(BaseModel):
    username: Username
    role: ProjectRole = ProjectRole.MEMBER


class MemberUpdate(BaseModel):
    role: ProjectRole


class MemberRead(BaseModel):
    user_id: uuid.UUID
    username: str
    role: ProjectRole


class SourceCreate(BaseModel):
    """A Chatwoot account; with ``inbox_ids``, only those inboxes of it."""

    account_id: ChatwootId
    inbox_ids: list[ChatwootId] = Field(default_factory=list, max_length=100)


class SourceRead(BaseModel):
    id: uuid.UUID
    account_id: int
    inbox_id: int | None
