"""Pagination cursors and the identifiers a query may name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parley_search_api.search.cursor import Cursor, decode, encode
from parley_search_api.search.errors import InvalidCursor
from parley_search_api.search.lift_terms import lift_terms


@given(st.integers(0, 100_000), st.text(alphabet="0123456789abcdef", min_size=16, max_size=16))
def test_a_cursor_round_trips(offset: int, fingerprint: str) -> None:
    cursor = Cursor(offset=offset, fingerprint=fingerprint)

    assert decode(encode(cursor)) == cursor


@given(st.text(max_size=80))
def test_any_string_decodes_or_is_refused_cleanly(value: str) -> None:
    """Garbage raises InvalidCursor (a 422 on field ``cursor``), nothing else."""
    try:
        cursor = decode(value)
    except InvalidCursor:
        return
    assert 0 <= cursor.offset <= 100_000


@pytest.mark.parametrize("value", ["", "e30", "eyJ2IjoyLCJvIjowLCJmIjoiYSJ9", "W10"])
def test_foreign_cursors_are_refused(value: str) -> None:
    with pytest.raises(InvalidCursor):
        decode(value)


def test_lift_terms_find_ids_emails_and_phones() -> None:
    terms = lift_terms("Call +34 600-123-456 about #812, mail Ana@Example.org (CUST-1)")

    assert terms.display_ids == (812,)
    assert terms.emails == ("ana@example.org",)
    assert terms.phone_digits == ("34600123456",)
    assert "cust-1" in terms.tokens
    assert terms.name_words == ("about", "ana", "call", "cust", "example", "mail", "org")


def test_a_bare_number_is_a_display_id_but_a_number_in_words_is_not() -> None:
    assert lift_terms("  4711 ").display_ids == (4711,)
    assert lift_terms("error 500 on checkout").display_ids == ()
