"""A second stage over the top of the ranking (pure; the features come from
second_stage_repository.py).

The first stage ranks by what the components measured; this one (hybrid search with convex
fusion) reorders its best ``depth`` hits by what they cannot see: the conversation's outcome. An agent looking for an answer
wants the resolved conversation whose agent replied, not an open one that only repeats the
question. A resolved conversation and a public agent reply add half of ``outcome_weight``
each to the fused score. Exact hits stay above the others (ranking.py); hits past ``depth``
keep their order, so pages after the first are the first stage's.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from parley_search_api.search.ranking import RankedHit


@dataclass(frozen=True)
class Features:
    resolved: bool  # the conversation's status is resolved
    agent_replied: bool  # it has a public agent reply


@dataclass(frozen=True)
class SecondStage:
    depth: int  # hits reordered (0: no second stage)
    outcome_weight: float  # for resolved and agent replied together (half each)

    def bonus(self, features: Features) -> float:
        return self.outcome_weight * (features.resolved + features.agent_replied) / 2

    def reorder(
        self, ranked: Sequence[RankedHit], features: Mapping[uuid.UUID, Features]
    ) -> list[RankedHit]:
        """The top ``depth`` of ``ranked`` by fused score plus their features' bonus (ties:
        the first stage's order), exact hits first; the rest as they were."""
        head = [
            replace(hit, fused=hit.fused + self.bonus(features[hit.chunk_id]))
            if hit.chunk_id in features
            else hit
            for hit in ranked[: self.depth]
        ]
        order = sorted(range(len(head)), key=lambda n: (not head[n].exact, -head[n].fused, n))
        return [head[n] for n in order] + list(ranked[self.depth :])
