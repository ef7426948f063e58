"""The second stage's reordering: a pure function."""

from __future__ import annotations

import uuid

from parley_search_api.search.ranking import RankedHit
from parley_search_api.search.second_stage import Features, SecondStage


def _hit(n: int, fused: float, *, exact: bool = False) -> RankedHit:
    return RankedHit(uuid.UUID(int=n), f"c{n}", fused, {}, exact=exact)


NOTHING = Features(resolved=False, agent_replied=False)
ANSWERED = Features(resolved=True, agent_replied=True)


def test_the_second_stage_lifts_answered_conversations_within_its_depth_only() -> None:
    stage = SecondStage(depth=3, outcome_weight=0.2)
    ranked = [_hit(1, 0.9), _hit(2, 0.8), _hit(3, 0.75), _hit(4, 0.74)]
    features = {uuid.UUID(int=n): NOTHING for n in (1, 2)} | {
        uuid.UUID(int=3): ANSWERED,
        uuid.UUID(int=4): ANSWERED,
    }

    reordered = stage.reorder(ranked, features)

    assert [hit.chunk_id.int for hit in reordered] == [3, 1, 2, 4]
    assert reordered[0].fused == 0.95


def test_the_second_stage_keeps_exact_hits_first() -> None:
    stage = SecondStage(depth=10, outcome_weight=1.0)
    ranked = [_hit(1, 0.2, exact=True), _hit(2, 0.9)]

    reordered = stage.reorder(ranked, {uuid.UUID(int=2): ANSWERED})

    assert [hit.chunk_id.int for hit in reordered] == [1, 2]
