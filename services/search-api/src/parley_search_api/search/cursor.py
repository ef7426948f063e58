"""Opaque pagination cursors: the offset into one query's ranked results.

A cursor carries the offset and a fingerprint of the query it came from, so a cursor replayed
with another query is refused instead of silently paging through something else. It carries
nothing about scope: every page re-runs the project-scoped SQL, so a forged cursor can at most
move the offset.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from parley_search_api.search.errors import InvalidCursor

VERSION = 1
MAX_OFFSET = 100_000


@dataclass(frozen=True)
class Cursor:
    offset: int
    fingerprint: str


def fingerprint(canonical_query: str) -> str:
    return hashlib.sha256(canonical_query.encode()).hexdigest()[:16]


def encode(cursor: Cursor) -> str:
    raw = json.dumps({"v": VERSION, "o": cursor.offset, "f": cursor.fingerprint})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(value: str) -> Cursor:
    try:
        padded = value + "=" * (-len(value) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as error:
        raise InvalidCursor("cursor is not one this API issued") from error
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise InvalidCursor("cursor is not one this API issued")
    offset, print_ = data.get("o"), data.get("f")
    if (
        not isinstance(offset, int)
        or isinstance(offset, bool)
        or not 0 <= offset <= MAX_OFFSET
        or not isinstance(print_, str)
    ):
        raise InvalidCursor("cursor is not one this API issued")
    return Cursor(offset=offset, fingerprint=print_)
