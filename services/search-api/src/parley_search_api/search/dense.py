"""The dense component's scores when search fuses two models (pure, no I/O).

Search uses one model, or fuses two (``embedding_models.search_weight``, ``parley embeddings
use A --with B:0.4``): then each model's nearest chunks come through its own partial index
under the same conditions, and every row of either list carries its cosine under *each*
model (``SearchRepository.semantic_cosines``), so a chunk one model did not return is scored
by its exact cosine there, never by 0. A chunk's fused score is the weighted mean of its
cosines; the weights sum to 1, so it stays on the cosine's scale (``min_score``, convex
fusion's weights and the exact-hit rule read it as they read one model's cosine). A chunk
lacking one model's vector (written before the model was held, not back-filled yet) is
scored by the models it has, their weights rescaled.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from parley_schema.vector_slots import SlotModel

from parley_search_api.search.candidates import Candidate


@dataclass(frozen=True)
class QueryVector:
    """A query's embedding, the model (slot) whose vectors it is compared with, and that
    model's share of the dense score (1.0: search uses it alone)."""

    model: SlotModel
    values: list[float]
    weight: float = 1.0


@dataclass(frozen=True)
class ModelCosines:
    """A chunk one model found, with its cosine under every fused model (None: no vector)."""

    chunk_id: uuid.UUID
    group: str
    cosines: tuple[float | None, ...]  # in the order of the fused models


def weighted_mean(scores: Iterable[tuple[float, float | None]]) -> float | None:
    """The mean of the (weight, score) pairs whose score is present, by weight (None: none)."""
    present = [(weight, score) for weight, score in scores if score is not None]
    total = sum(weight for weight, _ in present)
    if not total:
        return None
    return sum(weight * score for weight, score in present) / total


def fuse(rows: Iterable[ModelCosines], weights: Sequence[float], limit: int) -> list[Candidate]:
    """The union of the models' candidates by fused score, best first (ties by chunk id), at
    most ``limit`` of them. A chunk both models found comes twice, with the same cosines."""
    fused: dict[uuid.UUID, Candidate] = {}
    for row in rows:
        score = weighted_mean(zip(weights, row.cosines, strict=True))
        if score is not None:
            fused[row.chunk_id] = Candidate(row.chunk_id, row.group, score)
    return sorted(fused.values(), key=lambda c: (-c.score, c.chunk_id))[:limit]
