"""Offset paging of listings (contacts, conversations) with search's opaque cursors.

A cursor carries the offset and a fingerprint of the request it came from
(``search.cursor``): replayed with another request it is refused, never silently applied.
Every page re-runs the project-scoped SQL, so a forged cursor can at most move the offset.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel

from parley_search_api.search import cursor as cursors
from parley_search_api.search.errors import CursorMismatch

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int
    fingerprint: str

    @classmethod
    def start(cls, cursor: str | None, canonical_request: str, limit: int) -> Page:
        fingerprint = cursors.fingerprint(canonical_request)
        offset = 0
        if cursor is not None:
            decoded = cursors.decode(cursor)
            if decoded.fingerprint != fingerprint:
                raise CursorMismatch("cursor belongs to a different request; start without one")
            offset = decoded.offset
        return cls(offset=offset, limit=limit, fingerprint=fingerprint)


def request_page(request: BaseModel, *, cursor: str | None, limit: int) -> Page:
    """The page a listing request asks for: its cursor bound to the rest of the request."""
    canonical = request.model_dump(mode="json", exclude={"cursor", "limit"})
    return Page.start(cursor, json.dumps(canonical, sort_keys=True), limit)


def page_of(page: Page, rows: Sequence[T]) -> tuple[Sequence[T], str | None]:
    """The page's rows (``rows`` holds one more when there is a next page) and the cursor of
    the next page, if any and within the cursor's offset bound."""
    next_offset = page.offset + page.limit
    if len(rows) <= page.limit or next_offset > cursors.MAX_OFFSET:
        return rows[: page.limit], None
    cursor = cursors.encode(cursors.Cursor(offset=next_offset, fingerprint=page.fingerprint))
    return rows[: page.limit], cursor
