"""Who is calling, within which project, and what they may do there."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class CredentialKind(StrEnum):
    SESSION = "session"
    API_TOKEN = "api_token"  # noqa: S105 - a kind of credential, not a secret


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    username: str
    kind: CredentialKind
    credential_id: str  # the session hash or the API token id
    project_id: uuid.UUID | None  # the active project (session) or the token's project
    role: str | None  # the user's role in project_id; None when there is no project
    # An instance administrator (attaches any Chatwoot source, manages grants).
    is_admin: bool = False
    # Rights beyond searching the project (``parley_schema.models.TokenScope``): ``private``
    # reads private notes. A session has it while its user owns the active project; a token
    # has its own scopes, ``private`` only while its user still owns the token's project.
    scopes: frozenset[str] = frozenset()

    @property
    def token_id(self) -> uuid.UUID | None:
        """The API token's id; None for a session."""
        if self.kind is CredentialKind.API_TOKEN:
            return uuid.UUID(self.credential_id)
        return None


@dataclass(frozen=True)
class SourceGrant:
    """One ``project_sources`` row: a Chatwoot account, or one inbox of it."""

    account_id: int
    inbox_id: int | None  # None: every inbox of the account


@dataclass(frozen=True)
class ScopedPrincipal:
    principal: Principal
    sources: tuple[SourceGrant, ...]  # of principal.project_id, by account then inbox
