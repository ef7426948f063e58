"""Search quality per mode and query kind on a labelled dataset, with latency per mode.

    .venv/bin/python bench/quality/run.py --direct \
        --conversations bench/quality/data/conversations.jsonl \
        --queries bench/quality/data/queries.jsonl

    .venv/bin/python bench/quality/run.py --pipeline --conversations … --queries … \
        --setting rrf=PARLEY_SEARCH_FUSION=rrf --compare default rrf

    .venv/bin/python bench/quality/run.py --direct \
        --similar bench/quality/data/similar_conversations.jsonl

``--pipeline`` sends every turn as a signed Chatwoot webhook through the real ingest and
embedder processes (pipeline_load.py) and searches the started search-api over HTTP;
``--direct`` writes the conversations straight into the tables with real embeddings
(direct_load.py), which is quicker, and searches search-api's real app in-process. Either way
the data lands in a private embedded Postgres.

Every query runs in each mode: ``keyword``, ``semantic`` and ``hybrid`` as a plain search
returns them (message hits; the first ten distinct conversations of the first
``UNGROUPED_LIMIT`` hits count) and ``hybrid/conv`` (``group_by=conversation``, top 10). For
each setting the script prints nDCG@10 per query kind (all, topic, paraphrase, identifier),
recall@10 and MRR over all queries, and the latency of a request per mode (p50/p95, measured
after one unmeasured pass over every query, so model loading and the query-embedding cache's
first fill are left out).

A setting is a named set of search-api environment overrides, ``--setting
NAME=PARLEY_X=1,PARLEY_Y=2`` (repeatable; ``default`` is none). They apply to the in-process
app's settings in ``--direct`` and to the restarted search-api process in ``--pipeline``.
Without ``--compare`` every setting runs; ``--compare A B`` runs those two and prints B - A.
``--pool FILE`` writes, for the first setting, every top-10 conversation a query has no grade
for (JSON lines), for checking that no unlabelled conversation answers a query.

``--similar FILE`` adds the similar-conversations section (similar_eval.py: precision@5,
finished and open), loaded directly into a database of its own; alone, it runs without
``--conversations``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import direct_load
import httpx
import pipeline_load
import similar_eval
from dataset import KINDS, Conversation, Query, load_conversations, load_queries
from metrics import Scores, by_kind, evaluate
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_embeddings.local import LocalProvider
from parley_schema import migrate
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from parley_testing.postgres import free_port
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

DATABASE = "quality"
SIMILAR_DATABASE = "similar"
K = 10
UNGROUPED_LIMIT = 50  # message hits a plain search is asked for
DEFAULT = "default"
ENV_PREFIX = "PARLEY_"


@dataclass(frozen=True)
class Mode:
    label: str
    mode: str
    group_by: str


MODES = (
    Mode("keyword", "keyword", "none"),
    Mode("semantic", "semantic", "none"),
    Mode("hybrid", "hybrid", "none"),
    Mode("hybrid/conv", "hybrid", "conversation"),
)


@dataclass(frozen=True)
class Outcome:
    query: Query
    ranked: list[str]  # dataset conversation ids, best first, at most K
    seconds: float


@dataclass(frozen=True)
class ModeResult:
    scores: dict[str, Scores]  # kind (and "all") → mean scores
    p50_ms: float
    p95_ms: float


def parse_setting(value: str) -> tuple[str, dict[str, str]]:
    """``NAME=PARLEY_X=1,PARLEY_Y=2`` → (name, {"PARLEY_X": "1", "PARLEY_Y": "2"})."""
    name, _, assignments = value.partition("=")
    overrides: dict[str, str] = {}
    for assignment in filter(None, assignments.split(",")):
        key, equals, setting = assignment.partition("=")
        if not equals or not key.startswith(ENV_PREFIX):
            raise argparse.ArgumentTypeError(f"{assignment!r}: expected PARLEY_NAME=value")
        field = key.removeprefix(ENV_PREFIX).lower()
        if field not in SearchSettings.model_fields:
            raise argparse.ArgumentTypeError(f"{key}: not a search-api setting")
        overrides[key] = setting
    if not name or name == DEFAULT or not overrides:
        raise argparse.ArgumentTypeError(f"{value!r}: expected NAME=PARLEY_X=1,… (not default)")
    return name, overrides


def in_process_settings(url: str, overrides: dict[str, str]) -> SearchSettings:
    # The service's per-request info logs would interleave with the printed tables.
    fields = {key.removeprefix(ENV_PREFIX).lower(): value for key, value in overrides.items()}
    return SearchSettings.model_validate({"database_url": url, "log_level": "WARNING", **fields})


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (0 < share <= 1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def conversation_ranking(hits: list[dict[str, Any]], dataset_id_of: dict[str, str]) -> list[str]:
    """The first K distinct dataset conversations of ``hits`` (a hit counts for its
    conversation)."""
    ranked: list[str] = []
    for hit in hits:
        dataset_id = dataset_id_of[hit["conversation"]["id"]]
        if dataset_id not in ranked:
            ranked.append(dataset_id)
    return ranked[:K]


async def search(
    client: httpx.AsyncClient, mode: Mode, query: Query, dataset_id_of: dict[str, str]
) -> Outcome:
    body = {
        "q": query.query,
        "mode": mode.mode,
        "group_by": mode.group_by,
        "limit": K if mode.group_by == "conversation" else UNGROUPED_LIMIT,
    }
    started = time.perf_counter()
    response = await client.post("/v1/search", json=body)
    seconds = time.perf_counter() - started
    response.raise_for_status()
    return Outcome(query, conversation_ranking(response.json()["hits"], dataset_id_of), seconds)


async def run_modes(
    client: httpx.AsyncClient, queries: list[Query], dataset_id_of: dict[str, str]
) -> dict[str, list[Outcome]]:
    for mode in MODES:  # warm-up: model, connections, the query-embedding cache
        for query in queries:
            await search(client, mode, query, dataset_id_of)
    return {
        mode.label: [await search(client, mode, query, dataset_id_of) for query in queries]
        for mode in MODES
    }


def summarise(outcomes: list[Outcome]) -> ModeResult:
    scores = by_kind([(o.query.kind, evaluate(o.ranked, o.query.relevant, K)) for o in outcomes])
    latencies = [o.seconds * 1000 for o in outcomes]
    return ModeResult(scores, percentile(latencies, 0.50), percentile(latencies, 0.95))


@asynccontextmanager
async def in_process_client(
    url: str, provider: LocalProvider, token: str, overrides: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(in_process_settings(url, overrides), provider=provider)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://quality",
            headers={"Authorization": f"Bearer {token}"},
        ) as client,
    ):
        yield client


async def over_http(
    base_url: str, token: str, queries: list[Query], dataset_id_of: dict[str, str]
) -> dict[str, list[Outcome]]:
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        return await run_modes(client, queries, dataset_id_of)


async def in_process(
    url: str,
    provider: LocalProvider,
    token: str,
    overrides: dict[str, str],
    queries: list[Query],
    dataset_id_of: dict[str, str],
) -> dict[str, list[Outcome]]:
    async with in_process_client(url, provider, token, overrides) as client:
        return await run_modes(client, queries, dataset_id_of)


def print_table(name: str, overrides: dict[str, str], results: dict[str, ModeResult]) -> None:
    described = ", ".join(f"{k}={v}" for k, v in overrides.items()) or "no overrides"
    print(f"setting {name} ({described})")
    kinds = ("all", *KINDS)
    print(
        f"{'mode':<12}"
        + "".join(f" | {kind[:10]:>10}" for kind in kinds)
        + f" | {'R@10 all':>8} | {'MRR all':>7} | {'p50 ms':>7} | {'p95 ms':>7}"
    )
    print(f"{'':<12}" + "".join(f" | {'nDCG@10':>10}" for _ in kinds))
    print("-" * (12 + 13 * len(kinds) + 42))
    for label, result in results.items():
        cells = "".join(
            f" | {result.scores[kind].ndcg:10.3f}" if kind in result.scores else f" | {'-':>10}"
            for kind in kinds
        )
        total = result.scores["all"]
        print(
            f"{label:<12}{cells} | {total.recall:8.3f} | {total.mrr:7.3f} | "
            f"{result.p50_ms:7.1f} | {result.p95_ms:7.1f}"
        )
    print()


def print_deltas(
    a: str, b: str, first: dict[str, ModeResult], second: dict[str, ModeResult]
) -> None:
    print(f"{b} - {a}")
    kinds = ("all", *KINDS)
    print(
        f"{'mode':<12}"
        + "".join(f" | {kind[:10]:>10}" for kind in kinds)
        + f" | {'p50 ratio':>9} | {'p95 ratio':>9}"
    )
    print("-" * (12 + 13 * len(kinds) + 24))
    for label in first:
        cells = "".join(
            f" | {second[label].scores[k].ndcg - first[label].scores[k].ndcg:+10.3f}"
            if k in first[label].scores
            else f" | {'-':>10}"
            for k in kinds
        )
        print(
            f"{label:<12}{cells} | {second[label].p50_ms / first[label].p50_ms:9.2f} | "
            f"{second[label].p95_ms / first[label].p95_ms:9.2f}"
        )
    print()


def write_pool(
    path: Path, outcomes: dict[str, list[Outcome]], conversations: list[Conversation]
) -> int:
    """Every ungraded conversation in a query's top K, per mode; returns how many lines."""
    by_id = {c.id: c for c in conversations}
    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for mode, results in outcomes.items():
            for outcome in results:
                for rank, cid in enumerate(outcome.ranked, start=1):
                    if cid in outcome.query.relevant:
                        continue
                    conversation = by_id[cid]
                    row = {
                        "qid": outcome.query.qid,
                        "kind": outcome.query.kind,
                        "query": outcome.query.query,
                        "mode": mode,
                        "rank": rank,
                        "id": cid,
                        "topic": conversation.topic,
                        "text": " | ".join(t.text for t in conversation.turns),
                    }
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                    lines += 1
    return lines


async def _direct_load(
    url: str, conversations: list[Conversation], provider: LocalProvider
) -> dict[str, str]:
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            dataset_id_of = await direct_load.load(session, conversations, provider)
            await session.commit()
    finally:
        await engine.dispose()
    return dataset_id_of


async def _prepare(url: str) -> str:
    """The statistics autovacuum would keep (the keyword side reads them), and a token."""
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            await session.execute(text("ANALYZE"))
            token = await direct_load.api_token(session)
            await session.commit()
    finally:
        await engine.dispose()
    return token


def main(args: argparse.Namespace) -> None:
    print(f"machine: {platform.node()} {platform.machine()}, python {platform.python_version()}")
    provider = LocalProvider()
    with tempfile.TemporaryDirectory() as data_dir:
        server = EmbeddedDatabase(Path(data_dir), free_port(), options=EPHEMERAL_OPTIONS)
        server.start()
        try:
            if args.conversations is not None:
                search_section(server, provider, args)
            if args.similar is not None:
                similar_section(server, provider, args.similar, args.similar_dense_weights)
        finally:
            server.stop()


def chosen_settings(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    defined = {DEFAULT: {}, **dict(args.setting)}
    if args.compare is None:
        return defined
    return {name: defined[name] for name in args.compare}


def search_section(
    server: EmbeddedDatabase, provider: LocalProvider, args: argparse.Namespace
) -> None:
    conversations = load_conversations(args.conversations)
    queries = load_queries(args.queries, {c.id for c in conversations})
    kinds = Counter(q.kind for q in queries)
    print(
        f"data: {len(conversations)} conversations, {len(queries)} queries "
        f"({', '.join(f'{kinds[k]} {k}' for k in KINDS)}) from {args.queries}"
    )
    server.ensure_database_sync(DATABASE)
    url = server.url(DATABASE)
    migrate.upgrade(url, embedding_dim=provider.dimension, embedding_model=provider.model_name)
    settings = chosen_settings(args)
    started = time.perf_counter()
    results: dict[str, dict[str, list[Outcome]]] = {}
    if args.pipeline:
        with pipeline_load.running(url) as pipeline:
            dataset_id_of = pipeline.load(conversations)
            print(
                "loaded through signed webhooks, ingest and the embedder in "
                f"{time.perf_counter() - started:.1f} s; searching the started search-api"
            )
            token = asyncio.run(_prepare(url))
            for name, overrides in settings.items():
                with pipeline.search_api(overrides) as base_url:
                    results[name] = asyncio.run(over_http(base_url, token, queries, dataset_id_of))
    else:
        dataset_id_of = asyncio.run(_direct_load(url, conversations, provider))
        print(
            f"loaded directly with {provider.model_name} in "
            f"{time.perf_counter() - started:.1f} s; searching search-api in-process"
        )
        token = asyncio.run(_prepare(url))
        for name, overrides in settings.items():
            results[name] = asyncio.run(
                in_process(url, provider, token, overrides, queries, dataset_id_of)
            )
    print()
    summaries = {
        name: {mode: summarise(outcomes) for mode, outcomes in per_mode.items()}
        for name, per_mode in results.items()
    }
    for name, summary in summaries.items():
        print_table(name, settings[name], summary)
    if args.compare is not None:
        a, b = args.compare
        print_deltas(a, b, summaries[a], summaries[b])
    if args.pool is not None:
        first = next(iter(results))
        lines = write_pool(args.pool, results[first], conversations)
        print(f"pool: {lines} ungraded top-{K} conversations of setting {first} in {args.pool}")


def similar_section(
    server: EmbeddedDatabase, provider: LocalProvider, path: Path, weights: list[float]
) -> None:
    groups = similar_eval.load_groups(path)
    print()
    print(
        f"similar data: {len(groups)} conversations in {len(set(groups.values()))} groups ({path})"
    )
    server.ensure_database_sync(SIMILAR_DATABASE)
    url = server.url(SIMILAR_DATABASE)
    migrate.upgrade(url, embedding_dim=provider.dimension, embedding_model=provider.model_name)
    started = time.perf_counter()
    results = asyncio.run(similar_eval.evaluate(url, provider, path, dense_weights=weights))
    print(
        f"loaded and queried directly with {provider.model_name} in "
        f"{time.perf_counter() - started:.1f} s"
    )
    similar_eval.print_table(results, groups=len(set(groups.values())))


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=Path)
    parser.add_argument("--queries", type=Path)
    parser.add_argument(
        "--similar",
        type=Path,
        help="grouped conversations (meta.group): add the similar-conversations section",
    )
    loading = parser.add_mutually_exclusive_group(required=True)
    loading.add_argument(
        "--pipeline",
        action="store_true",
        help="send the conversations as signed webhooks through ingest and the embedder",
    )
    loading.add_argument(
        "--direct", action="store_true", help="write the conversations straight into the tables"
    )
    parser.add_argument(
        "--setting",
        type=parse_setting,
        action="append",
        default=[],
        metavar="NAME=PARLEY_X=1,…",
        help="a named set of search-api environment overrides (repeatable)",
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        help="run settings A and B (default or a --setting name) and print B - A",
    )
    parser.add_argument(
        "--pool", type=Path, help="write the ungraded top-10 conversations (JSON lines)"
    )
    parser.add_argument(
        "--similar-dense-weights",
        type=lambda value: [float(w) for w in value.split(",")],
        default=[0.5, 0.7, 0.9],
        help="similar conversations: dense weights to compare (comma-separated)",
    )
    args = parser.parse_args(argv)
    if (args.conversations is None) != (args.queries is None):
        parser.error("--conversations and --queries go together")
    if args.conversations is None and args.similar is None:
        parser.error("give --conversations and --queries, --similar, or both")
    names = [DEFAULT, *(name for name, _ in args.setting)]
    if len(set(names)) != len(names):
        parser.error("each --setting needs a name of its own")
    for name in args.compare or ():
        if name not in names:
            parser.error(f"--compare {name}: no such setting (have {', '.join(names)})")
    return args


if __name__ == "__main__":
    main(parse(sys.argv[1:]))
