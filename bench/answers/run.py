"""Answers benchmark: citation precision and latency per generator, on bench/quality's set.

    flock /tmp/parley-measure.lock nice -n 19 .venv/bin/python bench/answers/run.py

bench/quality's labelled conversations and Help Center articles are written straight into a
private embedded Postgres by bench/quality's own loaders (``direct_load``, ``documents``),
and every labelled query is asked through search-api's real HTTP app (in-process):

- **citation precision**: of the citations an answer gives, the share that are relevant
  (grade ≥ 1) to the query. A conversation query's labels grade conversations, so there its
  message citations are judged (a message counts as its conversation); an article query's
  labels grade articles, so there its knowledge citations are judged. Citations of the other
  kind are unlabelled and counted apart, never as hits or misses.
- the same for a plain search's best message hit and best knowledge hit (the baseline:
  any conversation, open or resolved, any sender).
- **latency** per request, p50/p95 after one unmeasured pass: ``POST /v1/search`` for the same
  question (the baseline: an answer runs two such searches), ``POST /v1/answers`` with the
  extractive generator, and with the llm generator against a local fake OpenAI-compatible
  chat server (``parley_embeddings.testing.fake_openai_server``, answering at once with a
  sentence per passage it was sent, each cited), plain and streamed. The fake's figures are
  Parley's own overhead (prompt, redaction, HTTP, the check), never a model's speed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from parley_embeddings.local import LocalProvider
from parley_embeddings.testing.fake_openai_server import FakeOpenAIServer, FakeServerState
from parley_schema.models import CwMessage
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bench" / "quality" / "data"
# bench/quality's loaders and data format, and search-api's fake chat models: imported, not
# copied (they are scripts' modules, not packages).
sys.path[:0] = [str(ROOT / "bench" / "quality"), str(ROOT / "services" / "search-api" / "tests")]
dataset = importlib.import_module("dataset")
direct_load = importlib.import_module("direct_load")
knowledge = importlib.import_module("documents")
testkit = importlib.import_module("parley_search_api_testkit")

Call = Callable[[httpx.AsyncClient, str], Any]


@dataclass
class Judged:
    relevant: int = 0
    judged: int = 0
    unlabelled: int = 0
    answers: int = 0
    uncited: int = 0  # answers with no citation at all
    fallbacks: dict[str, int] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.relevant / self.judged if self.judged else 0.0


@dataclass(frozen=True)
class Labelled:
    query: Any  # dataset.Query
    judges: str  # "message" (conversation labels) or "knowledge" (article labels)


def judge(
    result: dict[str, Any], item: Labelled, dataset_id_of: dict[str, str], tally: Judged
) -> None:
    tally.answers += 1
    if result["fallback_reason"]:
        tally.fallbacks[result["fallback_reason"]] = (
            tally.fallbacks.get(result["fallback_reason"], 0) + 1
        )
    if not result["citations"]:
        tally.uncited += 1
    for citation in result["citations"]:
        is_message = citation["kind"] == "message"
        if is_message != (item.judges == "message"):
            tally.unlabelled += 1
            continue
        tally.judged += 1
        if item.query.relevant.get(dataset_id_of[citation["id"]], 0) > 0:
            tally.relevant += 1


async def timed(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    response = await client.post(path, json=body)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    if response.headers["content-type"].startswith("text/event-stream"):
        return elapsed, response.text
    return elapsed, response.json()


VARIANTS: dict[str, tuple[str, dict[str, Any]]] = {
    "search (baseline)": ("/v1/search", {"limit": 13}),
    "answers extractive": ("/v1/answers", {"generator": "extractive"}),
    "answers llm (fake)": ("/v1/answers", {"generator": "llm"}),
    "answers llm (fake), streamed": ("/v1/answers", {"generator": "llm", "stream": True}),
}


SEARCH_TOP = "search's top hit per side (baseline)"


def top_hits(response: dict[str, Any]) -> dict[str, Any]:
    """A plain search's best message hit and best knowledge hit, as citations: what citing
    the search's own top hits would give, any conversation status, any sender."""
    citations = []
    for is_message in (True, False):
        hit = next((h for h in response["hits"] if (h["kind"] == "message") == is_message), None)
        if hit is not None:
            key = hit["message"]["id"] if is_message else hit["document"]["id"]
            citations.append({"kind": hit["kind"], "id": key})
    return {"citations": citations, "fallback_reason": None}


def body_of(variant: str, question: str) -> tuple[str, dict[str, Any]]:
    path, extra = VARIANTS[variant]
    key = "q" if path == "/v1/search" else "question"
    return path, {key: question, **extra}


async def measure(
    client: httpx.AsyncClient, items: Sequence[Labelled], dataset_id_of: dict[str, str]
) -> tuple[dict[str, list[float]], dict[str, dict[str, Judged]]]:
    for item in items:  # one unmeasured pass: the model's first calls, the query cache
        for variant in VARIANTS:
            await timed(client, *body_of(variant, item.query.query))
    latencies: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
    judged: dict[str, dict[str, Judged]] = {}
    for item in items:
        for variant in VARIANTS:
            elapsed, result = await timed(client, *body_of(variant, item.query.query))
            latencies[variant].append(elapsed)
            if isinstance(result, dict):
                name = variant if variant.startswith("answers") else SEARCH_TOP
                answered = result if variant.startswith("answers") else top_hits(result)
                per_side = judged.setdefault(name, {})
                judge(answered, item, dataset_id_of, per_side.setdefault(item.judges, Judged()))
    return latencies, judged


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(args: argparse.Namespace, url: str, provider: LocalProvider) -> None:
    conversations = dataset.load_conversations(args.conversations)
    queries = dataset.load_queries(args.queries, {c.id for c in conversations})
    documents = knowledge.load_documents(args.documents)
    article_queries = knowledge.load_article_queries(args.article_queries, documents)
    limit = args.limit or None
    items = [Labelled(q, "message") for q in queries[:limit]] + [
        Labelled(q, "knowledge") for q in article_queries[:limit]
    ]
    print(
        f"data: {len(conversations)} conversations, {len(documents)} articles; "
        f"{sum(i.judges == 'message' for i in items)} conversation queries, "
        f"{sum(i.judges == 'knowledge' for i in items)} article queries"
    )
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            conversation_of = await direct_load.load(session, conversations, provider)
            article_of = await knowledge.load(session, documents, provider)
            token = await direct_load.api_token(session)
            await session.commit()
            messages = await session.execute(select(CwMessage.id, CwMessage.conversation_global_id))
            dataset_id_of: dict[str, str] = {
                message: conversation_of[conversation] for message, conversation in messages
            }
        dataset_id_of |= article_of
    finally:
        await engine.dispose()
    with FakeOpenAIServer(FakeServerState(chat=testkit.citing_model)) as fake:
        settings = SearchSettings(database_url=url, log_level="WARNING", llm_base_url=fake.base_url)
        app = create_app(settings, provider=provider)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://answers",
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            ) as client,
        ):
            latencies, judged = await measure(client, items, dataset_id_of)
    print()
    print(
        "| generator | side judged | answers | citations judged | precision | unlabelled | no citation | fallbacks |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for variant, sides in judged.items():
        for side, tally in sides.items():
            fallbacks = ", ".join(f"{k} {v}" for k, v in tally.fallbacks.items()) or "none"
            print(
                f"| {variant} | {side} | {tally.answers} | {tally.judged} | "
                f"{tally.precision:.3f} | {tally.unlabelled} | {tally.uncited} | {fallbacks} |"
            )
    print()
    baseline = statistics.median(latencies["search (baseline)"])
    print("| request | p50 ms | p95 ms | p50 vs search |")
    print("| --- | --- | --- | --- |")
    for variant, values in latencies.items():
        p50 = statistics.median(values)
        print(
            f"| {variant} | {p50 * 1000:.1f} | {percentile(values, 0.95) * 1000:.1f} | "
            f"{p50 / baseline:.2f}x |"
        )


def main(args: argparse.Namespace) -> None:
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cpus, "
        f"python {platform.python_version()}"
    )
    provider = LocalProvider()
    direct_load.on_private_database("answers", provider, lambda url: run(args, url, provider))


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--conversations", type=Path, default=DATA / "conversations.jsonl")
    parser.add_argument("--queries", type=Path, default=DATA / "queries.jsonl")
    parser.add_argument("--documents", type=Path, default=DATA / "documents.jsonl")
    parser.add_argument("--article-queries", type=Path, default=DATA / "article_queries.jsonl")
    parser.add_argument(
        "--limit", type=int, default=0, help="at most this many queries of each kind (0: all)"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(parse(sys.argv[1:]))
