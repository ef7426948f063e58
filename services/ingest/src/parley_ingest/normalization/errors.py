"""Errors of normalization: a payload that does not have the shape Parley relies on."""

from __future__ import annotations

from parley_schema.errors import ParleyError
from pydantic import ValidationError


class InvalidPayload(ParleyError):
    code = "invalid_payload"
    status = 422

    @classmethod
    def from_validation(cls, error: ValidationError, *, prefix: str = "") -> InvalidPayload:
        first = error.errors()[0]
        field = ".".join(str(part) for part in (*((prefix,) if prefix else ()), *first["loc"]))
        return cls(f"{field or 'body'}: {first['msg']}", field=field or None)
