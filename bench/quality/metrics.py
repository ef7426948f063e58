"""Ranking metrics at conversation level (pure): recall@k, nDCG@k, MRR, precision@k, and
means.

``relevant`` maps a conversation id to its grade (2 = answers the query, 1 = related);
``ranked`` is the conversation ids a search returned, best first (one per conversation).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


def recall_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    wanted = {cid for cid, grade in relevant.items() if grade > 0}
    if not wanted:
        return 0.0
    return len(wanted & set(ranked[:k])) / len(wanted)


def ndcg_at(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float:
    def dcg(grades: Iterable[int]) -> float:
        return float(sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades)))

    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg(relevant.get(cid, 0) for cid in ranked[:k]) / ideal


def precision_at(ranked: Sequence[str], relevant: set[str], k: int = 5) -> float:
    """The share of the first ``k`` places held by relevant conversations (an empty place
    counts as a miss)."""
    return len(relevant & set(ranked[:k])) / k


def reciprocal_rank(ranked: Sequence[str], relevant: Mapping[str, int]) -> float:
    for position, cid in enumerate(ranked, start=1):
        if relevant.get(cid, 0) > 0:
            return 1.0 / position
    return 0.0


@dataclass(frozen=True)
class Scores:
    recall: float
    ndcg: float
    mrr: float
    queries: int


def evaluate(ranked: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> Scores:
    return Scores(
        recall=recall_at(ranked, relevant, k),
        ndcg=ndcg_at(ranked, relevant, k),
        mrr=reciprocal_rank(ranked, relevant),
        queries=1,
    )


def mean(scores: Sequence[Scores]) -> Scores:
    if not scores:
        return Scores(0.0, 0.0, 0.0, 0)
    n = len(scores)
    return Scores(
        recall=sum(s.recall for s in scores) / n,
        ndcg=sum(s.ndcg for s in scores) / n,
        mrr=sum(s.mrr for s in scores) / n,
        queries=n,
    )


def by_kind(per_query: Sequence[tuple[str, Scores]]) -> dict[str, Scores]:
    """Mean scores per query kind, plus ``all``."""
    groups: dict[str, list[Scores]] = defaultdict(list)
    for kind, scores in per_query:
        groups[kind].append(scores)
        groups["all"].append(scores)
    return {kind: mean(values) for kind, values in sorted(groups.items())}
