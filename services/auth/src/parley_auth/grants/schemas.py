from __future__ import annotations

import uuid
from datetime import datetime

from parley_schema.ids import ChatwootId
from pydantic import BaseModel

from parley_auth.users.schemas import Username


class GrantCreate(BaseModel):
    """Let ``username`` attach a Chatwoot account (every inbox of it) or, with ``inbox_id``,
    one inbox of it to the projects they own."""

    username: Username
    account_id: ChatwootId
    inbox_id: ChatwootId | None = None


class GrantRead(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    username: str
    account_id: int
    inbox_id: int | None  # None: the whole account
    granted_by: uuid.UUID | None  # the administrator; None when made with the CLI
    created_at: datetime
