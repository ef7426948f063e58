"""What a caller may search: the Chatwoot sources of their active project."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from parley_authn import SourceGrant as Source  # an account, or one inbox of it
from parley_authn.errors import PrivateNotPermitted

__all__ = ["ProjectScope", "Source"]


@dataclass(frozen=True)
class ProjectScope:
    user_id: uuid.UUID
    project_id: uuid.UUID
    sources: tuple[Source, ...]
    may_read_private: bool = False  # the principal's ``private`` right (authn's scopes)

    def check_private(self, include_private: bool) -> None:
        """Refuse a request for private notes from a caller without the right to them."""
        if include_private and not self.may_read_private:
            raise PrivateNotPermitted(
                "include_private needs a project owner's session or a token with the private scope",
                field="include_private",
            )
