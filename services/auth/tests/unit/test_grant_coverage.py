"""Which requested sources a user's grants on an account cover."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from parley_auth.grants.coverage import uncovered

inboxes = st.lists(st.one_of(st.none(), st.integers(min_value=1, max_value=20)), max_size=6)


def test_an_account_grant_covers_everything_of_the_account() -> None:
    assert uncovered([None], [None, 3, 4]) == []


def test_an_inbox_grant_covers_only_that_inbox() -> None:
    assert uncovered([3], [3]) == []
    assert uncovered([3], [3, 4]) == [4]
    assert uncovered([3, 4], [None]) == [None]  # the whole account needs an account grant


def test_no_grant_covers_nothing() -> None:
    assert uncovered([], [None, 1]) == [None, 1]


@given(granted=inboxes, requested=inboxes)
def test_every_request_is_either_covered_or_named(
    granted: list[int | None], requested: list[int | None]
) -> None:
    missing = uncovered(granted, requested)
    assert set(missing) <= set(requested)
    for source in requested:
        covered = None in granted or (source is not None and source in granted)
        assert (source in missing) is not covered
