"""Why a caller may not search."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class NotAuthenticated(ParleyError):
    code = "not_authenticated"
    status = 401


class NoActiveProject(ParleyError):
    code = "no_active_project"
    status = 403
