"""Similar conversations: ordering, side scores and the keyword query (pure)."""

from __future__ import annotations

import pytest
from parley_search_api.similar.repository import any_lexeme_query
from parley_search_api.similar.scoring import direction, order, semantic_score
from parley_search_api.similar.sides import Side
from parley_search_api.similar.terms import pick_lexemes

C, A = Side.CUSTOMER, Side.AGENT


def test_resolved_conversations_come_first_whatever_their_score() -> None:
    ranked = order(
        {"open-best": 0.9, "resolved-worse": 0.5, "resolved-best": 0.8},
        {},
        {"resolved-worse", "resolved-best"},
        dense_weight=1.0,
    )

    assert [s.conversation_id for s in ranked] == ["resolved-best", "resolved-worse", "open-best"]
    assert [s.resolved for s in ranked] == [True, True, False]


def test_keyword_alone_can_bring_a_conversation_and_ties_break_by_id() -> None:
    ranked = order({"b": 0.5, "a": 0.5}, {"k": 2.0}, set(), dense_weight=0.5)

    assert [s.conversation_id for s in ranked] == ["a", "b", "k"]
    assert ranked[2].semantic is None
    assert ranked[2].keyword == 2.0


def test_the_semantic_score_is_the_mean_of_the_side_pairs_present() -> None:
    assert semantic_score({(C, C): 0.8, (C, A): 0.4}) == pytest.approx(0.6)
    assert semantic_score({(C, C): 0.8, (C, A): 0.4, (A, A): 0.9}) == pytest.approx(0.7)
    # The source's agents against the candidate's customers says little: not counted.
    assert semantic_score({(A, C): 0.9}) is None


def test_lexemes_are_quoted_so_any_text_is_one_lexeme() -> None:
    assert any_lexeme_query(["it's", "c:\\temp", "a|b"]) == "'it''s' | 'c:\\\\temp' | 'a|b'"


def test_the_rarest_words_are_picked_within_the_share_budget() -> None:
    words = ["order", "help", "0x80070005", "refund"]  # the source's, most frequent first
    shares = {"order": 0.3, "help": 0.2, "refund": 0.01}  # 0x80070005: rarer than all

    assert pick_lexemes(words, shares, limit=10, max_share=0.02) == ["0x80070005", "refund"]
    assert pick_lexemes(words, shares, limit=1, max_share=1.0) == ["0x80070005"]
    assert pick_lexemes(words, {}, limit=3, max_share=0.0) == ["order", "help", "0x80070005"]


def test_the_direction_of_two_sides_lies_between_them() -> None:
    assert direction([[2.0, 0.0], [0.0, 0.5]]) == pytest.approx([1.0, 1.0])
