"""Score fusion and ranking: pure functions."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parley_search_api.search.candidates import Candidate
from parley_search_api.search.fusion import best_chunk_per_group, convex, min_max, rrf, weighted
from parley_search_api.search.ranking import FusionPlan, rank
from parley_search_api.settings import FusionMethod

scores = st.dictionaries(st.text(min_size=1, max_size=3), st.floats(-10, 10), max_size=20)


@given(scores)
def test_min_max_maps_into_the_unit_interval_keeping_order(values: dict[str, float]) -> None:
    normalised = min_max(values)

    assert set(normalised) == set(values)
    assert all(0.0 <= v <= 1.0 for v in normalised.values())
    for a in values:
        for b in values:
            if values[a] < values[b]:
                assert normalised[a] <= normalised[b]


def test_min_max_of_equal_scores_is_one() -> None:
    assert min_max({"a": 0.3, "b": 0.3}) == {"a": 1.0, "b": 1.0}


def test_convex_weights_normalised_components() -> None:
    fused = convex(
        {"semantic": {"a": 0.9, "b": 0.5, "c": 0.1}, "keyword": {"c": 3.0, "d": 1.0}},
        {"semantic": 0.8, "keyword": 0.2},
    )

    assert fused == pytest.approx({"a": 0.8, "b": 0.4, "c": 0.2, "d": 0.0})


def test_rrf_adds_reciprocal_ranks() -> None:
    fused = rrf({"x": {"a": 5.0, "b": 1.0}, "y": {"b": 9.0}}, {"x": 1.0, "y": 1.0}, k=60)

    assert fused == pytest.approx({"a": 1 / 61, "b": 1 / 62 + 1 / 61})


def test_best_chunk_per_group_breaks_ties_by_key() -> None:
    best = best_chunk_per_group({"b": 1.0, "a": 1.0, "c": 0.5}, {"a": "g", "b": "g", "c": "h"})

    assert best == {"g": "a", "h": "c"}


def _candidate(chunk: int, conversation: str, score: float) -> Candidate:
    return Candidate(uuid.UUID(int=chunk), conversation, score)


PLAN = FusionPlan(FusionMethod.CONVEX, {"semantic": 0.8, "keyword": 0.2}, rrf_k=60)


def test_a_single_component_keeps_its_raw_scores() -> None:
    ranked = rank(
        {"semantic": [_candidate(1, "c1", 0.4), _candidate(2, "c2", 0.7)]},
        PLAN,
        by_conversation=False,
    )

    assert [(hit.chunk_id.int, hit.fused) for hit in ranked] == [(2, 0.7), (1, 0.4)]


def test_grouping_scores_a_conversation_by_its_best_chunk_per_component() -> None:
    components = {
        "semantic": [_candidate(1, "c1", 0.9), _candidate(2, "c1", 0.2), _candidate(3, "c2", 0.5)],
        "keyword": [_candidate(2, "c1", 0.6), _candidate(3, "c2", 0.3)],
    }

    ranked = rank(components, PLAN, by_conversation=True)

    assert [hit.conversation_id for hit in ranked] == ["c1", "c2"]
    assert ranked[0].components == {"semantic": 0.9, "keyword": 0.6}
    assert ranked[0].fused == pytest.approx(0.8 * 0.9 + 0.2 * 0.6)
    assert ranked[0].chunk_id.int in (1, 2)


def test_weighted_keeps_a_weak_list_weak() -> None:
    fused = weighted(
        {"semantic": {"a": 0.25, "b": 0.2}, "keyword": {"c": 0.9}},
        {"semantic": 0.7, "keyword": 0.3},
    )

    assert fused == pytest.approx({"a": 0.175, "b": 0.14, "c": 0.27})


@pytest.mark.parametrize("by_conversation", [False, True])
def test_exact_hits_rank_above_any_fused_score(by_conversation: bool) -> None:
    components = {
        "semantic": [_candidate(1, "c1", 0.9), _candidate(2, "c2", 0.2)],
        "keyword": [_candidate(1, "c1", 0.9), Candidate(uuid.UUID(int=3), "c2", 0.1, exact=True)],
    }

    ranked = rank(components, PLAN, by_conversation=by_conversation)

    assert [hit.conversation_id for hit in ranked][:2] == ["c2", "c1"]
