from __future__ import annotations

from parley_schema.errors import ParleyError


class TokenNotFound(ParleyError):
    code = "token_not_found"
    status = 404
