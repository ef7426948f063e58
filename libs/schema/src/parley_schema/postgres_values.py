"""What Postgres can hold, checked where input arrives (one definition for every service):
a value it would reject is refused by the request's validation with a 422 naming the
field, never sent to the database to fail there as a 500."""

from __future__ import annotations

from datetime import UTC, datetime


def postgres_text(value: str) -> str:
    """``text`` holds neither NUL nor a lone surrogate (JSON's ``"\\ud800"``, which UTF-8
    cannot encode). ``value`` unchanged, or ValueError (a pydantic validator's refusal)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise ValueError("must not contain lone surrogates (\\ud800-\\udfff)")
    return value


def postgres_timestamp(value: datetime) -> datetime:
    """An aware time is sent as UTC: one whose UTC time falls outside years 1 to 9999 (e.g.
    ``0001-01-01T00:00:00+01:00``) cannot be sent at all."""
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must fall within years 1-9999 in UTC") from None
    return value
