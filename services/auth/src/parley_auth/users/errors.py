from __future__ import annotations

from parley_schema.errors import ParleyError


class UsernameTaken(ParleyError):
    code = "username_taken"
    status = 409
