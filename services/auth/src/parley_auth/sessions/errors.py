from __future__ import annotations

from parley_schema.errors import ParleyError


class InvalidCredentials(ParleyError):
    """One answer for an unknown username and a wrong password."""

    code = "invalid_credentials"
    status = 401
