"""Conversation-level ranking metrics and the dataset reader."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from dataset import DatasetError, load_queries
from metrics import Scores, by_kind, evaluate, ndcg_at, recall_at, reciprocal_rank


def test_recall_counts_every_graded_conversation_in_the_top_k() -> None:
    relevant = {"a": 2, "b": 1, "c": 2}

    assert recall_at(["x", "a", "b"], relevant) == pytest.approx(2 / 3)
    assert recall_at(["c"] + ["x"] * 10 + ["a"], relevant, k=10) == pytest.approx(1 / 3)


def test_ndcg_is_one_for_the_ideal_order_and_less_otherwise() -> None:
    relevant = {"a": 2, "b": 1}

    assert ndcg_at(["a", "b"], relevant) == pytest.approx(1.0)
    swapped = (1 / math.log2(2) + 3 / math.log2(3)) / (3 / math.log2(2) + 1 / math.log2(3))
    assert ndcg_at(["b", "a"], relevant) == pytest.approx(swapped)
    assert ndcg_at(["x"], relevant) == 0.0


def test_reciprocal_rank_is_of_the_first_relevant_hit() -> None:
    assert reciprocal_rank(["x", "y", "b"], {"b": 1}) == pytest.approx(1 / 3)
    assert reciprocal_rank(["x"], {"b": 1}) == 0.0


def test_means_are_per_kind_and_overall() -> None:
    per_query = [
        ("topic", evaluate(["a"], {"a": 2})),
        ("topic", evaluate(["x"], {"a": 2})),
        ("known_item", evaluate(["x", "a"], {"a": 2})),
    ]

    table = by_kind(per_query)

    assert table["topic"] == Scores(recall=0.5, ndcg=0.5, mrr=0.5, queries=2)
    assert table["known_item"].mrr == pytest.approx(0.5)
    assert table["all"].queries == 3


def test_a_query_naming_an_unknown_conversation_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"qid": "q", "query": "x", "relevant": {"nope": 2}, "kind": "topic"}\n')

    with pytest.raises(DatasetError, match="unknown conversation ids"):
        load_queries(path, {"c-001"})
