"""Which requested sources a user's grants on one account do not cover.

A grant is an inbox id, or None for the whole account. An account-wide grant covers the
account itself and every inbox of it; an inbox grant covers only that inbox. A requested
source is an inbox id, or None for the whole account, which only an account-wide grant
covers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def uncovered(granted: Iterable[int | None], requested: Sequence[int | None]) -> list[int | None]:
    """The requested sources (in their order) that ``granted`` does not cover."""
    grants = set(granted)
    if None in grants:
        return []
    return [source for source in requested if source is None or source not in grants]
