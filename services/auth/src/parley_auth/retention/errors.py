from __future__ import annotations

from parley_schema.errors import ParleyError


class RetentionNotSet(ParleyError):
    code = "retention_not_set"
    status = 404
