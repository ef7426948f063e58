from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from parley_ingest.normalization.versioning import Decision, VersionedState, decide

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def state(seconds: int, content: str, *, deleted: bool = False) -> VersionedState:
    return VersionedState(T0 + timedelta(seconds=seconds), {"content": content}, deleted)


def test_newer_different_state_replaces_and_older_is_kept_out() -> None:
    assert decide(state(2, "b"), state(1, "a")) is Decision.REPLACE
    assert decide(state(1, "a"), state(2, "b")) is Decision.KEEP


def test_identical_state_only_moves_the_version_forward() -> None:
    assert decide(state(5, "a"), state(1, "a")) is Decision.REFRESH
    assert decide(state(1, "a"), state(5, "a")) is Decision.KEEP
    assert decide(state(1, "a"), state(1, "a")) is Decision.KEEP


def test_equal_versions_break_ties_the_same_way_in_both_orders() -> None:
    first, second = state(1, "a"), state(1, "b")
    assert {decide(first, second), decide(second, first)} == {Decision.REPLACE, Decision.KEEP}


def test_deletion_is_terminal() -> None:
    assert decide(state(1, "gone", deleted=True), state(9, "a")) is Decision.REPLACE
    assert decide(state(10, "a"), state(1, "gone", deleted=True)) is Decision.KEEP


def test_stored_state_without_version_is_replaced() -> None:
    assert decide(state(1, "a"), VersionedState(None, {"content": "b"})) is Decision.REPLACE


@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.sampled_from("abc"), st.booleans()), min_size=1, max_size=8
    ),
    st.randoms(),
)
def test_any_arrival_order_converges_to_one_state(
    updates: list[tuple[int, str, bool]], rng: object
) -> None:
    states = [state(seconds, content, deleted=deleted) for seconds, content, deleted in updates]

    def apply(order: list[VersionedState]) -> VersionedState:
        current = order[0]
        for incoming in order[1:]:
            decision = decide(incoming, current)
            if decision is Decision.REPLACE:
                current = incoming
            elif decision is Decision.REFRESH:
                current = dataclasses.replace(current, version=incoming.version)
        return current

    shuffled = list(states)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert apply(states) == apply(shuffled)
