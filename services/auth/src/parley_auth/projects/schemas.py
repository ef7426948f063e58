from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from parley_schema.ids import ChatwootId
from parley_schema.models import ProjectRole
from pydantic import BaseModel, Field, StringConstraints

from parley_auth.users.schemas import Username

# Printable text for project and token names (Postgres text cannot hold NUL; control
# characters are refused).
Name = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$"
    ),
]


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
