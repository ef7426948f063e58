"""Errors of the credential check, raised by every service that authenticates callers."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class NotAuthenticated(ParleyError):
    code = "not_authenticated"
    status = 401
