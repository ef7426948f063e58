from __future__ import annotations

import uuid
from datetime import datetime

from parley_authn import CredentialKind
from pydantic import BaseModel, Field

from parley_auth.users.schemas import Username, UserRead


class LoginRequest(BaseModel):
    username: Username
    password: str = Field(min_length=1, max_length=256)


class SessionCreated(BaseModel):
    user: UserRead
    csrf_token: str  # send as X-CSRF-Token with every state-changing cookie request
    expires_at: datetime


class TokenSessionCreated(BaseModel):
    user: UserRead
    token: str  # send as Authorization: Bearer; keep it in sessionStorage, never in a cookie
    expires_at: datetime


class MeRead(BaseModel):
    user: UserRead
    credential: CredentialKind
    project_id: uuid.UUID | None
    role: str | None
    scopes: list[str]  # "private": this credential may read private notes


class ActiveProjectUpdate(BaseModel):
    project_id: uuid.UUID | None
