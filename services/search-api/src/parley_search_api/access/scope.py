"""What a caller may search: the Chatwoot sources of their active project."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from parley_authn import SourceGrant as Source  # an account, or one inbox of it

__all__ = ["ProjectScope", "Source"]


@dataclass(frozen=True)
class ProjectScope:
    user_id: uuid.UUID
    project_id: uuid.UUID
    sources: tuple[Source, ...]
