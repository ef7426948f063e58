"""Do Help Center articles help without hurting? Conversations and articles on one scale.

    flock /tmp/parley-measure.lock .venv/bin/python bench/quality/knowledge_eval.py \
        --conversations bench/quality/data/conversations.jsonl \
        --queries bench/quality/data/queries.jsonl \
        --documents bench/quality/data/documents.jsonl \
        --article-queries bench/quality/data/article_queries.jsonl

The conversations are loaded directly (``direct_load``) into a private embedded Postgres and
every conversation query runs through search-api's real HTTP app (in-process, grouped by
conversation, top 10, default sources: conversations, articles and documents); then the
articles are added as the embedder would write them (``documents.load``) and everything runs
again. Printed per mode:

- conversation queries: recall@10 and nDCG@10 without and with the articles, and the queries
  whose answering conversation (grade 2) was in the top 10 without articles and is not with
  them (adding articles must push none out);
- article queries (each answered by one article, while conversations merely mention the
  topic): MRR of the article and the share where it ranks above every conversation.
"""

from __future__ import annotations

import argparse
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import direct_load
import documents as knowledge
import httpx
from dataset import Query, load_conversations, load_queries
from metrics import ndcg_at, recall_at, reciprocal_rank
from parley_embeddings.local import LocalProvider
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

K = 10
MODES = ("hybrid", "semantic", "keyword")


def hit_id(hit: dict[str, Any], dataset_id_of: dict[str, str]) -> str:
    """The dataset id a hit counts for: a message's conversation, a knowledge hit's document."""
    key = hit["conversation"]["id"] if hit["kind"] == "message" else hit["document"]["id"]
    return dataset_id_of[key]


def ranking(hits: list[dict[str, Any]], dataset_id_of: dict[str, str]) -> list[str]:
    """Distinct dataset ids in hit order (``hit_id``)."""
    return list(dict.fromkeys(hit_id(hit, dataset_id_of) for hit in hits))


async def rankings(
    url: str,
    provider: LocalProvider,
    token: str,
    mode: str,
    queries: list[Query],
    ids: dict[str, str],
) -> dict[str, list[str]]:
    settings = SearchSettings(database_url=url, log_level="WARNING")
    app = create_app(settings, provider=provider)
    ranked = {}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://quality",
            headers={"Authorization": f"Bearer {token}"},
        ) as client,
    ):
        for query in queries:
            response = await client.post(
                "/v1/search",
                json={"q": query.query, "mode": mode, "group_by": "conversation", "limit": K},
            )
            response.raise_for_status()
            ranked[query.qid] = ranking(response.json()["hits"], ids)
    return ranked


@dataclass(frozen=True)
class ConversationEffect:
    recall: tuple[float, float]  # without, with articles
    ndcg: tuple[float, float]
    pushed_out: list[str]  # qids whose answering conversation left the top 10


def conversation_effect(
    queries: list[Query], before: dict[str, list[str]], after: dict[str, list[str]]
) -> ConversationEffect:
    def mean(values: Sequence[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    pushed = []
    for query in queries:
        answers = {c for c, grade in query.relevant.items() if grade == 2}
        if answers & set(before[query.qid][:K]) and not answers & set(after[query.qid][:K]):
            pushed.append(query.qid)
    return ConversationEffect(
        recall=(
            mean([recall_at(before[q.qid], q.relevant, K) for q in queries]),
            mean([recall_at(after[q.qid], q.relevant, K) for q in queries]),
        ),
        ndcg=(
            mean([ndcg_at(before[q.qid], q.relevant, K) for q in queries]),
            mean([ndcg_at(after[q.qid], q.relevant, K) for q in queries]),
        ),
        pushed_out=pushed,
    )


def article_first(query: Query, ranked: list[str], conversation_ids: set[str]) -> bool:
    """The answering article ranks above every conversation."""
    for dataset_id in ranked:
        if dataset_id in query.relevant:
            return True
        if dataset_id in conversation_ids:
            return False
    return False


async def run(args: argparse.Namespace, url: str, provider: LocalProvider) -> None:
    conversations = load_conversations(args.conversations)
    queries = load_queries(args.queries, {c.id for c in conversations})
    docs = knowledge.load_documents(args.documents)
    article_queries = knowledge.load_article_queries(args.article_queries, docs)
    print(
        f"data: {len(conversations)} conversations, {len(queries)} conversation queries, "
        f"{len(docs)} articles, {len(article_queries)} article queries"
    )
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            ids = await direct_load.load(session, conversations, provider)
            token = await direct_load.api_token(session)
            await session.commit()
        before = {m: await rankings(url, provider, token, m, queries, ids) for m in MODES}
        async with AsyncSession(engine) as session:
            ids |= await knowledge.load(session, docs, provider)
            await session.commit()
    finally:
        await engine.dispose()
    conversation_ids = {c.id for c in conversations}
    print()
    print(
        f"{'mode':<10}| {'conversation queries: R@10, nDCG@10 without -> with':<52}"
        f"| {'pushed out':<11}| {'article queries: MRR, first':<28}"
    )
    for mode in MODES:
        after = await rankings(url, provider, token, mode, queries, ids)
        effect = conversation_effect(queries, before[mode], after)
        answered = await rankings(url, provider, token, mode, article_queries, ids)
        mrr = sum(reciprocal_rank(answered[q.qid], q.relevant) for q in article_queries) / len(
            article_queries
        )
        first = sum(article_first(q, answered[q.qid], conversation_ids) for q in article_queries)
        cells = (
            f"R {effect.recall[0]:.3f} -> {effect.recall[1]:.3f}, "
            f"nDCG {effect.ndcg[0]:.3f} -> {effect.ndcg[1]:.3f}"
        )
        print(
            f"{mode:<10}| {cells:<52}| {len(effect.pushed_out):<11}| "
            f"{mrr:.3f}, {first}/{len(article_queries)}"
        )
        if effect.pushed_out:
            print(f"{'':<10}  pushed out: {', '.join(effect.pushed_out)}")


def main(args: argparse.Namespace) -> None:
    print(f"machine: {platform.node()} {platform.machine()}, python {platform.python_version()}")
    provider = LocalProvider()
    direct_load.on_private_database("knowledge", provider, lambda url: run(args, url, provider))


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    for name in ("--conversations", "--queries", "--documents", "--article-queries"):
        parser.add_argument(name, type=Path, required=True)
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(parse(sys.argv[1:]))
