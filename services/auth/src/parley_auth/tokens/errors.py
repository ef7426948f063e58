from __future__ import annotations

from parley_schema.errors import ParleyError


class TokenNotFound(ParleyError):
    code = "token_not_found"
    status = 404


class PrivateNotPermitted(ParleyError):
    """Only a project owner may create a token that reads private notes."""

    code = "private_not_permitted"
    status = 403
