"""Errors of the request boundary that every domain shares: who is calling, may they.

``CsrfRejected`` and ``AdminRequired`` are defined once in ``parley_authn`` (ingest refuses
with them too)."""

from __future__ import annotations

from parley_authn.errors import AdminRequired, CsrfRejected
from parley_schema.errors import ParleyError

__all__ = ["AdminRequired", "CsrfRejected", "SessionRequired"]


class SessionRequired(ParleyError):
    code = "session_required"
    status = 403
