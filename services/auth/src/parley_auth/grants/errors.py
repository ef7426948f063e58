from __future__ import annotations

from parley_schema.errors import ParleyError


class GrantNotFound(ParleyError):
    code = "grant_not_found"
    status = 404
