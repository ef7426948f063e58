"""Keyword query parsing: pure functions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from parley_search_api.search.keyword_query import MAX_WORDS, looks_like_identifier, parse


def test_loose_words_phrases_and_exclusions_are_told_apart() -> None:
    parsed = parse('refund or return "charged twice" -paypal -"gift card" refund, thanks')

    assert parsed.words == ("refund", "return", "thanks")
    assert parsed.phrases == ("charged twice",)
    assert parsed.exclusions == ("paypal", "gift card")
    assert parsed.scored_words == ("refund", "return", "thanks", "charged", "twice")


def test_an_unclosed_quote_is_a_phrase_to_the_end() -> None:
    assert parse('error "cannot  connect').phrases == ("cannot connect",)


@given(st.text(max_size=300))
def test_any_text_parses_within_the_word_bound(query: str) -> None:
    parsed = parse(query)

    assert len(parsed.scored_words) <= MAX_WORDS
    assert all(word.strip() for word in parsed.words)


def test_identifier_shapes() -> None:
    shaped = ["0x80070005", "ORD-77123", "jdoe_88", "anna@example.org", "v2.3.1", "INV-20417"]
    plain = ["refund", "password", "can't", "Zürich"]

    assert all(looks_like_identifier(word) for word in shaped)
    assert not any(looks_like_identifier(word) for word in plain)
