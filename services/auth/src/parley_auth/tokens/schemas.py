from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from parley_schema.models import TokenScope
from pydantic import BaseModel, Field

from parley_auth.projects.schemas import Name


class TokenCreate(BaseModel):
    name: Name
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    # ``private``: the token may read private notes (only a project owner may ask for it).
    scopes: list[TokenScope] = Field(default_factory=list, max_length=len(TokenScope))


class TokenRead(BaseModel):
    id: uuid.UUID
    project_id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str  # the first characters, to recognise a token; never enough to use it
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    scopes: list[TokenScope]


class TokenCreated(TokenRead):
    token: str  # shown once; only its hash is stored
