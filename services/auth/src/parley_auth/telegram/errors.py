from __future__ import annotations

from parley_schema.errors import ParleyError


class TelegramUnavailable(ParleyError):
    code = "telegram_unavailable"
    status = 503
