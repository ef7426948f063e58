"""Scores and orders similar conversations (pure, no I/O).

A candidate's semantic score compares side means: the source's customer side with the
candidate's customer side (the same problem, told by another customer) and with its agent
side (what resolved it), and, once the source has agent replies, agent side with agent side
(the same fix). Each pair present counts with its weight; the keyword score is the candidate's
whole-conversation full-text rank against the source's words. Both are min-max normalised
over the candidates and added with ``dense_weight`` (convex fusion, as search does). Resolved
conversations come first, then by fused score; ties break by conversation id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parley_search_api.search import fusion
from parley_search_api.similar.sides import Side

Pair = tuple[Side, Side]  # (side of the source, side of the candidate)

PAIR_WEIGHTS: dict[Pair, float] = {
    (Side.CUSTOMER, Side.CUSTOMER): 1.0,
    (Side.CUSTOMER, Side.AGENT): 1.0,
    (Side.AGENT, Side.AGENT): 1.0,
}


@dataclass(frozen=True)
class Scored:
    conversation_id: str
    fused: float
    semantic: float | None
    keyword: float | None
    resolved: bool


def direction(vectors: Sequence[Sequence[float]]) -> list[float]:
    """The sum of the vectors scaled to unit length: a direction between them all."""
    total = [0.0] * len(vectors[0])
    for vector in vectors:
        norm = math.sqrt(sum(x * x for x in vector)) or 1.0
        for i, x in enumerate(vector):
            total[i] += x / norm
    return total


def semantic_score(similarities: Mapping[Pair, float]) -> float | None:
    """The weighted mean of the pairs present (None: no pair, e.g. no vector yet)."""
    present = [(PAIR_WEIGHTS[p], s) for p, s in similarities.items() if p in PAIR_WEIGHTS]
    total = sum(weight for weight, _ in present)
    if not total:
        return None
    return sum(weight * s for weight, s in present) / total


def order(
    semantic: Mapping[str, float],
    keyword: Mapping[str, float],
    resolved: set[str],
    *,
    dense_weight: float,
) -> list[Scored]:
    fused = fusion.convex(
        {"semantic": semantic, "keyword": keyword},
        {"semantic": dense_weight, "keyword": 1.0 - dense_weight},
    )
    scored = [
        Scored(
            conversation_id=conversation,
            fused=score,
            semantic=semantic.get(conversation),
            keyword=keyword.get(conversation),
            resolved=conversation in resolved,
        )
        for conversation, score in fused.items()
    ]
    return sorted(scored, key=lambda s: (not s.resolved, -s.fused, s.conversation_id))
