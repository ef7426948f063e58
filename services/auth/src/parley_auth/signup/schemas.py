from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from parley_auth.users.schemas import Password, Username

Pin = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class SignupCreate(BaseModel):
    username: Username
    password: Password


class SignupAccepted(BaseModel):
    request_id: uuid.UUID
    expires_at: datetime


class SignupConfirm(BaseModel):
    request_id: uuid.UUID
    pin: Pin
