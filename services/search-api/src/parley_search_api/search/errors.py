"""Errors of the search domain."""

from __future__ import annotations

from parley_schema.errors import ParleyError


class InvalidCursor(ParleyError):
    code = "invalid_cursor"
    status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message, field="cursor")


class CursorMismatch(InvalidCursor):
    code = "cursor_mismatch"


class SearchTimeout(ParleyError):
    """A search ran past PARLEY_STATEMENT_TIMEOUT_S (its statements were cancelled)."""

    code = "search_timeout"
    status = 503


class ModelUnavailable(ParleyError):
    """The database's active embedding model is one this process cannot embed queries with."""

    code = "model_unavailable"
    status = 503
