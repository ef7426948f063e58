"""Who made a request, handed from where a service resolves its caller to the audit trail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi import Request

STATE_KEY = "audit_caller"


@dataclass(frozen=True)
class Caller:
    user_id: uuid.UUID | None = None
    project_id: uuid.UUID | None = None
    token_id: uuid.UUID | None = None  # the API token's id; None for a session


def identify(request: Request, caller: Caller) -> None:
    """Record the request's caller; the audit middleware reads it after the response.

    It lives in the request's ``state`` (the ASGI scope), which the middleware shares, so a
    caller identified in a dependency is known even when the route then fails.
    """
    setattr(request.state, STATE_KEY, caller)
