"""Why a caller may not search."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class NoActiveProject(ParleyError):
    code = "no_active_project"
    status = 403
