"""Score fusion of ranked candidate lists (pure functions, no I/O).

Each component (``semantic``, ``keyword``, ``lift``) maps a key (a chunk or conversation id)
to a raw score where higher is better. ``weighted`` adds the scores with weights as they are
(search: each component's score is an absolute confidence in [0, 1]); ``convex``
min-max-normalises each component over its own candidates first (similar conversations);
``rrf`` adds ``weight / (k + rank)``. A key missing from a component contributes nothing for
it.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Mapping
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
C = TypeVar("C", str, uuid.UUID)  # keys that order: ties break by the smallest

Components = Mapping[str, Mapping[K, float]]


def min_max(scores: Mapping[K, float]) -> dict[K, float]:
    """Scores mapped to [0, 1]; when all are equal every key gets 1."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    if high == low:
        return dict.fromkeys(scores, 1.0)
    span = high - low
    return {key: (value - low) / span for key, value in scores.items()}


def convex(components: Components[K], weights: Mapping[str, float]) -> dict[K, float]:
    fused: dict[K, float] = {}
    for name, scores in components.items():
        weight = weights.get(name, 0.0)
        for key, value in min_max(scores).items():
            fused[key] = fused.get(key, 0.0) + weight * value
    return fused


def weighted(components: Components[K], weights: Mapping[str, float]) -> dict[K, float]:
    """Scores added with weights, unnormalised: a weak list stays weak."""
    fused: dict[K, float] = {}
    for name, scores in components.items():
        weight = weights.get(name, 0.0)
        for key, value in scores.items():
            fused[key] = fused.get(key, 0.0) + weight * value
    return fused


def rrf(components: Components[K], weights: Mapping[str, float], *, k: int) -> dict[K, float]:
    fused: dict[K, float] = {}
    for name, scores in components.items():
        weight = weights.get(name, 0.0)
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        for rank, (key, _) in enumerate(ranked, start=1):
            fused[key] = fused.get(key, 0.0) + weight / (k + rank)
    return fused


def best_per_group(scores: Mapping[K, float], group_of: Mapping[K, str]) -> dict[str, float]:
    """The highest score of each group (a conversation scored by its best message)."""
    best: dict[str, float] = {}
    for key, value in scores.items():
        group = group_of[key]
        if value > best.get(group, float("-inf")):
            best[group] = value
    return best


def best_chunk_per_group(scores: Mapping[C, float], group_of: Mapping[C, str]) -> dict[str, C]:
    """The key with the highest score in each group (ties: the smallest key)."""
    best: dict[str, tuple[float, C]] = {}
    for key, value in scores.items():
        group = group_of[key]
        current = best.get(group)
        if current is None or (-value, key) < (-current[0], current[1]):
            best[group] = (value, key)
    return {group: key for group, (_, key) in best.items()}
