"""Base error type every domain error derives from.

A domain error carries a stable machine-readable ``code`` and the HTTP ``status`` it maps
to, so services raise meaningful errors without knowing about HTTP.
"""

from __future__ import annotations


class ParleyError(Exception):
    code: str = "parley_error"
    status: int = 500

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class ConfigurationError(ParleyError):
    """Settings are missing or inconsistent; the process cannot start."""

    code = "configuration_error"
    status = 500
