"""Errors of the credential check, raised by every service that authenticates callers."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class NotAuthenticated(ParleyError):
    code = "not_authenticated"
    status = 401


class PrivateNotPermitted(ParleyError):
    """Private notes need the ``private`` right: a project owner's session, or a token with
    the ``private`` scope (which only an owner may create)."""

    code = "private_not_permitted"
    status = 403


class CsrfRejected(ParleyError):
    """A cookie-authenticated request that changes state without its ``X-CSRF-Token``."""

    code = "csrf_rejected"
    status = 403


class AdminRequired(ParleyError):
    code = "admin_required"
    status = 403
