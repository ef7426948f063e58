from __future__ import annotations

from parley_schema.errors import ParleyError


class RateLimited(ParleyError):
    code = "rate_limited"
    status = 429
