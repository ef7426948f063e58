from __future__ import annotations

from parley_schema.errors import ParleyError


class TelegramUnavailable(ParleyError):
    code = "telegram_unavailable"
    status = 503


class OwnerNotBound(ParleyError):
    code = "telegram_owner_not_bound"
    status = 503
