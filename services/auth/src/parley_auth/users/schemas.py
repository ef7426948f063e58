"""Request fields shared by login, signup and the CLI."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, StringConstraints

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$"  # stored lower-case
Username = Annotated[str, StringConstraints(to_lower=True, pattern=USERNAME_PATTERN)]
Password = Annotated[str, StringConstraints(min_length=10, max_length=256)]


class UserRead(BaseModel):
    id: uuid.UUID
    username: str
    is_admin: bool  # an instance administrator: attaches any source, manages grants
