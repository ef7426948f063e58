"""Keyword query parsing and the second stage's reordering: pure functions."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st
from parley_search_api.search.keyword_query import MAX_WORDS, looks_like_identifier, parse
from parley_search_api.search.ranking import RankedHit
from parley_search_api.search.second_stage import Features, SecondStage


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


def _hit(n: int, fused: float, *, exact: bool = False) -> RankedHit:
    return RankedHit(uuid.UUID(int=n), f"c{n}", fused, {}, exact=exact)


NOTHING = Features(resolved=False, agent_replied=False, phrase=False)
ANSWERED = Features(resolved=True, agent_replied=True, phrase=False)


def test_the_second_stage_lifts_answered_conversations_within_its_depth_only() -> None:
    stage = SecondStage(depth=3, outcome_weight=0.2, phrase_weight=0.0)
    ranked = [_hit(1, 0.9), _hit(2, 0.8), _hit(3, 0.75), _hit(4, 0.74)]
    features = {uuid.UUID(int=n): NOTHING for n in (1, 2)} | {
        uuid.UUID(int=3): ANSWERED,
        uuid.UUID(int=4): ANSWERED,
    }

    reordered = stage.reorder(ranked, features)

    assert [hit.chunk_id.int for hit in reordered] == [3, 1, 2, 4]
    assert reordered[0].fused == 0.95


def test_the_second_stage_keeps_exact_hits_first() -> None:
    stage = SecondStage(depth=10, outcome_weight=1.0, phrase_weight=0.0)
    ranked = [_hit(1, 0.2, exact=True), _hit(2, 0.9)]

    reordered = stage.reorder(ranked, {uuid.UUID(int=2): ANSWERED})

    assert [hit.chunk_id.int for hit in reordered] == [1, 2]
