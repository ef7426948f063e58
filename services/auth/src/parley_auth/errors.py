"""Errors of the request boundary that every domain shares: who is calling, may they."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class CsrfRejected(ParleyError):
    code = "csrf_rejected"
    status = 403


class SessionRequired(ParleyError):
    code = "session_required"
    status = 403


class AdminRequired(ParleyError):
    code = "admin_required"
    status = 403
