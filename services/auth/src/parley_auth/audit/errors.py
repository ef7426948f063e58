from __future__ import annotations

from parley_schema.errors import ParleyError


class InvalidTimeRange(ParleyError):
    code = "invalid_time_range"
    status = 422
