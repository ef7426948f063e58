"""Search quality per mode and query kind on a labelled dataset, with latency per mode.

    .venv/bin/python bench/quality/run.py --direct \
        --conversations bench/quality/data/conversations.jsonl \
        --queries bench/quality/data/queries.jsonl

    .venv/bin/python bench/quality/run.py --pipeline --conversations … --queries … \
        --setting rrf=PARLEY_SEARCH_FUSION=rrf --compare default rrf

    .venv/bin/python bench/quality/run.py --direct \
        --similar bench/quality/data/similar_conversations.jsonl

    .venv/bin/python bench/quality/run.py --direct \
        --conversations bench/quality/data/multilingual/conversations.jsonl \
        --queries bench/quality/data/multilingual/queries.jsonl \
        --documents bench/quality/data/multilingual/documents.jsonl \
        --model sentence-transformers/all-MiniLM-L6-v2 \
        --model google/universal-sentence-encoder-multilingual-3

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
``--pool FILE`` writes, for the first setting, every top-10 conversation or article a query
has no grade for (JSON lines; FILE's name gets the model's database as a suffix), for
checking that no unlabelled conversation answers a query.

``--similar FILE`` adds the similar-conversations section (similar_eval.py: precision@5,
finished and open), loaded directly into a database of its own; alone, it runs without
``--conversations``.

``--model NAME`` (repeatable; default all-MiniLM-L6-v2) runs everything once per catalogued
model, each in a database of its own with vectors of its dimension (the embedder and
search-api processes of ``--pipeline`` get it as ``PARLEY_EMBEDDING_MODEL``/``_DIM``).
``--fuse 0.6,0.4`` (two models, ``--direct``) also runs search-api fusing both models: a
database holding both models' vectors, the second one fused at its weight (``parley
embeddings use FIRST --with SECOND:0.4``'s rules), every mode and setting as above; and, for
comparison, ranks every query offline by the models' semantic scores summed with those
weights (the first setting's semantic-mode hits of each model; an id a model did not return
adds 0; its latency is the sum of the models' requests). ``--documents FILE`` (``--direct``) adds Help Center articles (documents.py) that queries may
grade; a hit on one counts like a conversation. When the queries and conversations carry
languages, nDCG@10 is also printed per language slice (``dataset.language_slice``: English,
same-language, cross-language).
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
import documents as knowledge
import httpx
import pipeline_load
import similar_eval
from dataset import (
    KINDS,
    SLICES,
    Conversation,
    Query,
    language_slice,
    load_conversations,
    load_queries,
)
from knowledge_eval import hit_id, ranking
from metrics import Scores, by_kind, evaluate
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_embeddings.catalogue import MINILM, CatalogueModel, catalogue_model
from parley_embeddings.local import LocalProvider
from parley_schema import migrate
from parley_schema.settings import ParleyBaseSettings
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
    semantic: dict[str, float]  # dataset id → its best hit's semantic score, of every hit


@dataclass(frozen=True)
class ModeResult:
    scores: dict[str, Scores]  # kind (and "all") → mean scores
    slices: dict[str, Scores]  # language slice (and "all") → mean scores; empty without
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


def top_k(hits: list[dict[str, Any]], dataset_id_of: dict[str, str]) -> list[str]:
    """The first K distinct dataset ids of ``hits`` (a message hit counts for its
    conversation, a knowledge hit for its document)."""
    return ranking(hits, dataset_id_of)[:K]


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
    hits = response.json()["hits"]
    return Outcome(query, top_k(hits, dataset_id_of), seconds, semantic_scores(hits, dataset_id_of))


def semantic_scores(hits: list[dict[str, Any]], dataset_id_of: dict[str, str]) -> dict[str, float]:
    """Each dataset id's best semantic score among ``hits`` (hits without one are left out)."""
    best: dict[str, float] = {}
    for hit in hits:
        score = hit["scores"]["semantic"]
        if score is not None:
            key = hit_id(hit, dataset_id_of)
            best[key] = max(score, best.get(key, score))
    return best


def fused(per_model: Sequence[list[Outcome]], weights: Sequence[float]) -> list[Outcome]:
    """The same queries ranked by the weighted sum of each model's semantic scores (an id a
    model did not return scores 0 there): "scores summed" across models."""
    outcomes = []
    for together in zip(*per_model, strict=True):
        total: dict[str, float] = {}
        for outcome, weight in zip(together, weights, strict=True):
            for key, score in outcome.semantic.items():
                total[key] = total.get(key, 0.0) + weight * score
        ranked = sorted(total, key=lambda key: -total[key])[:K]
        seconds = sum(o.seconds for o in together)
        outcomes.append(Outcome(together[0].query, ranked, seconds, total))
    return outcomes


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


def summarise(outcomes: list[Outcome], language_of: dict[str, str | None]) -> ModeResult:
    per_query = [(o, evaluate(o.ranked, o.query.relevant, K)) for o in outcomes]
    scores = by_kind([(o.query.kind, s) for o, s in per_query])
    sliced = [(language_slice(o.query, language_of), s) for o, s in per_query]
    slices = by_kind([(name, s) for name, s in sliced if name is not None])
    latencies = [o.seconds * 1000 for o in outcomes]
    return ModeResult(scores, slices, percentile(latencies, 0.50), percentile(latencies, 0.95))


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
    print_slices(results)


def print_slices(results: dict[str, ModeResult]) -> None:
    """nDCG@10 (and the number of queries) per language slice, when there are any."""
    present = [s for s in SLICES if any(s in r.slices for r in results.values())]
    if not present:
        return
    first = next(iter(results.values()))
    print(
        f"{'mode':<12}" + "".join(f" | {f'{s} ({first.slices[s].queries})':>20}" for s in present)
    )
    print("-" * (12 + 23 * len(present)))
    for label, result in results.items():
        print(f"{label:<12}" + "".join(f" | {result.slices[s].ndcg:20.3f}" for s in present))
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
    path: Path,
    outcomes: dict[str, list[Outcome]],
    conversations: list[Conversation],
    articles: Sequence[knowledge.Document] = (),
) -> int:
    """Every ungraded conversation or article in a query's top K, per mode; returns how many
    lines."""
    by_id: dict[str, tuple[str | None, str]] = {
        c.id: (c.topic, " | ".join(t.text for t in c.turns)) for c in conversations
    } | {a.id: (a.category, f"{a.title} | {a.markdown}") for a in articles}
    lines = 0
    with path.open("w", encoding="utf-8") as out:
        for mode, results in outcomes.items():
            for outcome in results:
                for rank, cid in enumerate(outcome.ranked, start=1):
                    if cid in outcome.query.relevant:
                        continue
                    topic, body = by_id[cid]
                    row = {
                        "qid": outcome.query.qid,
                        "kind": outcome.query.kind,
                        "query": outcome.query.query,
                        "mode": mode,
                        "rank": rank,
                        "id": cid,
                        "topic": topic,
                        "text": body,
                    }
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                    lines += 1
    return lines


async def _direct_load(
    url: str,
    conversations: list[Conversation],
    articles: list[knowledge.Document],
    provider: LocalProvider,
) -> dict[str, str]:
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            dataset_id_of = await direct_load.load(session, conversations, provider)
            dataset_id_of |= await knowledge.load(session, articles, provider)
            await session.commit()
    finally:
        await engine.dispose()
    return dataset_id_of


async def _fuse(url: str, provider: LocalProvider, weight: float) -> None:
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            model = await direct_load.fuse_second_model(session, provider, weight)
            await session.commit()
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            for ddl in model.indexes(concurrently=True).values():
                await autocommit.execute(text(ddl))
    finally:
        await engine.dispose()


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
    with tempfile.TemporaryDirectory() as data_dir:
        server = EmbeddedDatabase(Path(data_dir), free_port(), options=EPHEMERAL_OPTIONS)
        server.start()
        try:
            semantic: list[list[Outcome]] = []  # per model: the first setting's semantic mode
            language_of: dict[str, str | None] = {}
            providers = []
            for number, model in enumerate(args.model, start=1):
                provider = model.load(ParleyBaseSettings())
                providers.append(provider)
                print(f"\n=== model {model.name} ({model.dimension}-d) ===")
                if args.conversations is not None:
                    results, language_of = search_section(
                        server, provider, model, args, f"{DATABASE}_{number}"
                    )
                    semantic.append(next(iter(results.values()))["semantic"])
                if args.similar is not None:
                    similar_section(
                        server,
                        provider,
                        args.similar,
                        args.similar_dense_weights,
                        f"{SIMILAR_DATABASE}_{number}",
                    )
            if args.fuse is not None and semantic:
                terms = " + ".join(
                    f"{w} {m.name}" for w, m in zip(args.fuse, args.model, strict=True)
                )
                print(f"\n=== semantic scores summed offline (a missing id adds 0): {terms} ===")
                fused_result = summarise(fused(semantic, args.fuse), language_of)
                print_table("fused", {}, {"semantic": fused_result})
                print(f"\n=== search-api fusing both models: {terms} ===")
                search_section(
                    server,
                    providers[0],
                    args.model[0],
                    args,
                    f"{DATABASE}_fused",
                    fused_with=(providers[1], args.fuse[1]),
                )
        finally:
            server.stop()


def chosen_settings(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    defined = {DEFAULT: {}, **dict(args.setting)}
    if args.compare is None:
        return defined
    return {name: defined[name] for name in args.compare}


def search_section(
    server: EmbeddedDatabase,
    provider: LocalProvider,
    model: CatalogueModel,
    args: argparse.Namespace,
    database: str,
    fused_with: tuple[LocalProvider, float] | None = None,
) -> tuple[dict[str, dict[str, list[Outcome]]], dict[str, str | None]]:
    """Loads and searches; every setting's outcomes per mode, and each dataset id's
    language. ``fused_with`` (``--direct``): a second model's vectors are loaded too and
    search fuses it with ``provider``'s at that weight."""
    conversations = load_conversations(args.conversations)
    articles = knowledge.load_documents(args.documents) if args.documents else []
    language_of = {c.id: c.language for c in conversations} | {a.id: a.locale for a in articles}
    queries = load_queries(args.queries, set(language_of))
    kinds = Counter(q.kind for q in queries)
    print(
        f"data: {len(conversations)} conversations, {len(articles)} articles, {len(queries)} "
        f"queries ({', '.join(f'{kinds[k]} {k}' for k in KINDS)}) from {args.queries}"
    )
    server.ensure_database_sync(database)
    url = server.url(database)
    migrate.upgrade(url, embedding_dim=provider.dimension, embedding_model=provider.model_name)
    settings = chosen_settings(args)
    started = time.perf_counter()
    results: dict[str, dict[str, list[Outcome]]] = {}
    if args.pipeline:
        env = {"PARLEY_EMBEDDING_MODEL": model.name, "PARLEY_EMBEDDING_DIM": str(model.dimension)}
        with pipeline_load.running(url, env) as pipeline:
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
        dataset_id_of = asyncio.run(_direct_load(url, conversations, articles, provider))
        if fused_with is not None:
            asyncio.run(_fuse(url, *fused_with))
        print(
            f"loaded directly with {provider.model_name}"
            + (f" and {fused_with[0].model_name}" if fused_with is not None else "")
            + f" in {time.perf_counter() - started:.1f} s; searching search-api in-process"
        )
        token = asyncio.run(_prepare(url))
        for name, overrides in settings.items():
            results[name] = asyncio.run(
                in_process(url, provider, token, overrides, queries, dataset_id_of)
            )
    print()
    summaries = {
        name: {mode: summarise(outcomes, language_of) for mode, outcomes in per_mode.items()}
        for name, per_mode in results.items()
    }
    for name, summary in summaries.items():
        print_table(name, settings[name], summary)
    if args.compare is not None:
        a, b = args.compare
        print_deltas(a, b, summaries[a], summaries[b])
    if args.pool is not None:
        first = next(iter(results))
        path = args.pool.with_name(f"{args.pool.stem}-{database}{args.pool.suffix}")
        lines = write_pool(path, results[first], conversations, articles)
        print(f"pool: {lines} ungraded top-{K} hits of setting {first} in {path}")
    return results, language_of


def similar_section(
    server: EmbeddedDatabase,
    provider: LocalProvider,
    path: Path,
    weights: list[float],
    database: str,
) -> None:
    groups = similar_eval.load_groups(path)
    print()
    print(
        f"similar data: {len(groups)} conversations in {len(set(groups.values()))} groups ({path})"
    )
    server.ensure_database_sync(database)
    url = server.url(database)
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
        "--documents",
        type=Path,
        help="Help Center articles (documents.jsonl) to load beside the conversations",
    )
    parser.add_argument(
        "--model",
        type=catalogue_model,
        action="append",
        metavar="NAME",
        help=f"a catalogued embedding model to run with (repeatable; default: {MINILM.name})",
    )
    parser.add_argument(
        "--fuse",
        type=lambda value: [float(w) for w in value.split(",")],
        metavar="W1,W2,…",
        help="also rank by the semantic scores of the --model models summed with these "
        "weights (one per model, e.g. 0.6,0.4)",
    )
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
    args.model = args.model or [MINILM]
    if args.fuse is not None and (len(args.model) != 2 or len(args.fuse) != 2):
        parser.error("--fuse needs two --model and a weight for each")
    if args.fuse is not None and (abs(sum(args.fuse) - 1) > 1e-9 or not args.direct):
        parser.error("--fuse: weights summing to 1, with --direct (search-api fuses them)")
    if args.documents is not None and not args.direct:
        parser.error("--documents is loaded with --direct only")
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
