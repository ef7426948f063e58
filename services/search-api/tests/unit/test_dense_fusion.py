"""The dense component's fused scores (search.dense): a weighted mean of the cosines present."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parley_search_api.search.dense import ModelCosines, fuse, weighted_mean

A, B, C = (uuid.UUID(int=n) for n in (1, 2, 3))
WEIGHTS = (0.6, 0.4)


def test_a_chunk_scores_the_weighted_sum_of_its_cosines_found_by_either_model() -> None:
    rows = [
        ModelCosines(A, "c1", (0.9, 0.1)),  # found by the first model
        ModelCosines(B, "c2", (0.5, 0.8)),  # by the second
        ModelCosines(B, "c2", (0.5, 0.8)),  # and by the first too: counted once
    ]
    fused = fuse(rows, WEIGHTS, limit=10)
    assert [(c.chunk_id, c.conversation_id) for c in fused] == [(B, "c2"), (A, "c1")]
    assert [c.score for c in fused] == pytest.approx([0.62, 0.58])


def test_a_chunk_without_one_models_vector_is_scored_by_the_other() -> None:
    fused = fuse([ModelCosines(A, "c1", (None, 0.7))], WEIGHTS, limit=10)
    assert fused[0].score == pytest.approx(0.7)


def test_the_list_is_cut_to_the_limit_best_first_ties_by_chunk() -> None:
    rows = [ModelCosines(i, "c", (0.5, 0.5)) for i in (C, A, B)]
    assert [c.chunk_id for c in fuse(rows, WEIGHTS, limit=2)] == [A, B]


def test_no_score_present_has_no_mean() -> None:
    assert weighted_mean([(0.6, None), (0.4, None)]) is None


@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0.01, max_value=1.0),
            st.one_of(st.none(), st.floats(min_value=-1.0, max_value=1.0)),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_mean_stays_within_the_scores_present(pairs: list[tuple[float, float | None]]) -> None:
    present = [score for _, score in pairs if score is not None]
    mean = weighted_mean(pairs)
    if not present:
        assert mean is None
    else:
        assert mean is not None
        assert min(present) - 1e-9 <= mean <= max(present) + 1e-9
