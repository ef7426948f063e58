"""What a caller may search: the Chatwoot sources of their active project."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    account_id: int
    inbox_id: int | None  # None: every inbox of the account


@dataclass(frozen=True)
class ProjectScope:
    user_id: uuid.UUID
    project_id: uuid.UUID
    sources: tuple[Source, ...]
