from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from parley_auth.passwords import PIN_DIGITS
from parley_auth.users.schemas import Password, Username

Pin = Annotated[str, StringConstraints(pattern=rf"^[0-9]{{{PIN_DIGITS}}}$")]


class SignupCreate(BaseModel):
    username: Username
    password: Password


class SignupAccepted(BaseModel):
    request_id: uuid.UUID
    expires_at: datetime


class SignupConfirm(BaseModel):
    request_id: uuid.UUID
    pin: Pin
