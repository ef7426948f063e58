"""Ranks candidates from each component into one list of hits (pure, no I/O).

Ungrouped, every chunk is ranked by its fused score. Grouped by conversation, each component
first scores a conversation by its best chunk (as measured: per-message vectors, conversation
scored by its best message), the conversation scores are fused, and the conversation is shown
by its best chunk.

Hits with ``exact`` candidates (a rare identifier of the query in the chunk, or the
conversation the query names: keyword.py, the lift) rank above every hit without, whatever
their fused scores; grouped, a conversation is exact when one of its chunks is.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parley_search_api.search import fusion
from parley_search_api.search.candidates import Candidate
from parley_search_api.search.fusion import K
from parley_search_api.settings import FusionMethod


@dataclass(frozen=True)
class FusionPlan:
    method: FusionMethod
    weights: Mapping[str, float]
    rrf_k: int


@dataclass(frozen=True)
class RankedHit:
    chunk_id: uuid.UUID
    conversation_id: str
    fused: float
    components: Mapping[str, float]  # raw score per component that found it
    exact: bool = False  # has a rare identifier of the query, or is a conversation it names


def _best(candidates: Sequence[Candidate]) -> dict[uuid.UUID, float]:
    scores: dict[uuid.UUID, float] = {}
    for candidate in candidates:
        if candidate.score > scores.get(candidate.chunk_id, float("-inf")):
            scores[candidate.chunk_id] = candidate.score
    return scores


def _fuse(components: Mapping[str, Mapping[K, float]], plan: FusionPlan) -> dict[K, float]:
    if len(components) == 1:
        (only,) = components.values()
        return dict(only)
    if plan.method is FusionMethod.RRF:
        return fusion.rrf(components, plan.weights, k=plan.rrf_k)
    return fusion.weighted(components, plan.weights)


def rank(
    components: Mapping[str, Sequence[Candidate]], plan: FusionPlan, *, by_conversation: bool
) -> list[RankedHit]:
    """A single component keeps its raw scores; several are fused by ``plan``.

    Ties break by chunk id (conversation id when grouped), so the order is deterministic.
    """
    conversation_of = {c.chunk_id: c.conversation_id for cs in components.values() for c in cs}
    exact = {c.chunk_id for cs in components.values() for c in cs if c.exact}
    per_chunk = {name: _best(cs) for name, cs in components.items() if cs}
    chunk_fused = _fuse(per_chunk, plan) if per_chunk else {}
    if not by_conversation:
        ordered = sorted(
            chunk_fused.items(), key=lambda item: (item[0] not in exact, -item[1], item[0])
        )
        return [
            RankedHit(
                chunk_id=chunk_id,
                conversation_id=conversation_of[chunk_id],
                fused=score,
                components={n: s[chunk_id] for n, s in per_chunk.items() if chunk_id in s},
                exact=chunk_id in exact,
            )
            for chunk_id, score in ordered
        ]
    per_conversation = {
        name: fusion.best_per_group(scores, conversation_of) for name, scores in per_chunk.items()
    }
    conversation_fused = _fuse(per_conversation, plan)
    representative = fusion.best_chunk_per_group(chunk_fused, conversation_of)
    exact_conversations = {conversation_of[chunk_id] for chunk_id in exact}
    ordered_conversations = sorted(
        conversation_fused.items(),
        key=lambda item: (item[0] not in exact_conversations, -item[1], item[0]),
    )
    return [
        RankedHit(
            chunk_id=representative[conversation],
            conversation_id=conversation,
            fused=score,
            components={
                n: s[conversation] for n, s in per_conversation.items() if conversation in s
            },
            exact=conversation in exact_conversations,
        )
        for conversation, score in ordered_conversations
    ]
