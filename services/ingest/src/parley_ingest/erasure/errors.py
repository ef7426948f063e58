"""Why an erasure is refused."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class ContactNotFound(ParleyError):
    code = "contact_not_found"
    status = 404
