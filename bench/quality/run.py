"""Search quality per mode and fusion on a labelled dataset.

    .venv/bin/python bench/quality/run.py --direct \
        --conversations bench/quality/data/conversations.jsonl \
        --queries bench/quality/data/queries.jsonl

    .venv/bin/python bench/quality/run.py --pipeline --conversations … --queries …

    .venv/bin/python bench/quality/run.py --direct \
        --similar bench/quality/data/similar_conversations.jsonl


``--pipeline`` sends every turn as a signed Chatwoot webhook through the real ingest and
embedder processes (pipeline_load.py); ``--direct`` writes the conversations straight into the
tables with real embeddings (direct_load.py), which is quicker. Either way the data lands in a
private embedded Postgres; then every query runs through search-api's real HTTP app
(in-process) in each configuration, grouped by conversation, top 10, and the script prints
recall@10, nDCG@10 and MRR per configuration and query kind. ``--similar FILE`` adds the
similar-conversations section (similar_eval.py: precision@5, finished and open), loaded
directly into a database of its own; alone, it runs without ``--conversations``.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import direct_load
import httpx
import pipeline_load
import similar_eval
from dataset import Conversation, Query, load_conversations, load_queries
from metrics import Scores, by_kind, evaluate
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_embeddings.local import LocalProvider
from parley_schema import migrate
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from parley_testing.postgres import free_port
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

DATABASE = "quality"
SIMILAR_DATABASE = "similar"


@dataclass(frozen=True)
class Configuration:
    label: str
    mode: str
    fusion: str | None
    dense_weight: float


def configurations(weights: Sequence[float]) -> list[Configuration]:
    configs = [
        Configuration("keyword", "keyword", None, 0.8),
        Configuration("semantic", "semantic", None, 0.8),
        Configuration("hybrid rrf", "hybrid", "rrf", 0.8),
    ]
    configs += [Configuration(f"hybrid convex {w:.2f}", "hybrid", "convex", w) for w in weights]
    return configs


async def run_queries(
    url: str,
    provider: LocalProvider,
    token: str,
    config: Configuration,
    queries: list[Query],
    dataset_id_of: dict[str, str],
) -> list[tuple[str, Scores]]:
    # The service's per-request info logs would interleave with the printed tables.
    settings = SearchSettings(
        database_url=url, search_dense_weight=config.dense_weight, log_level="WARNING"
    )
    app = create_app(settings, provider=provider)
    results = []
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://quality",
            headers={"Authorization": f"Bearer {token}"},
        ) as client:
            for query in queries:
                body: dict[str, object] = {
                    "q": query.query,
                    "mode": config.mode,
                    "group_by": "conversation",
                    "limit": 10,
                }
                if config.fusion:
                    body["fusion"] = config.fusion
                response = await client.post("/v1/search", json=body)
                response.raise_for_status()
                ranked = [
                    dataset_id_of[hit["conversation"]["id"]] for hit in response.json()["hits"]
                ]
                results.append((query.kind, evaluate(ranked, query.relevant)))
    return results


def print_table(rows: dict[str, dict[str, Scores]]) -> None:
    kinds = sorted({kind for per_kind in rows.values() for kind in per_kind})
    header = f"{'configuration':<20}" + "".join(f" | {k[:16]:^22}" for k in kinds)
    print(header)
    print(f"{'':<20}" + "".join(f" | {'R@10  nDCG@10   MRR':^22}" for _ in kinds))
    print("-" * len(header))
    for label, per_kind in rows.items():
        cells = "".join(
            f" | {s.recall:5.3f}  {s.ndcg:6.3f}  {s.mrr:5.3f}" for s in (per_kind[k] for k in kinds)
        )
        print(f"{label:<20}{cells}")


async def _direct(
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


async def _evaluate(
    url: str,
    provider: LocalProvider,
    queries: list[Query],
    dataset_id_of: dict[str, str],
    args: argparse.Namespace,
) -> dict[str, dict[str, Scores]]:
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            token = await direct_load.api_token(session)
            await session.commit()
    finally:
        await engine.dispose()
    rows = {}
    for config in configurations(args.dense_weights):
        per_query = await run_queries(url, provider, token, config, queries, dataset_id_of)
        rows[config.label] = by_kind(per_query)
    return rows


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


def search_section(
    server: EmbeddedDatabase, provider: LocalProvider, args: argparse.Namespace
) -> None:
    conversations = load_conversations(args.conversations)
    queries = load_queries(args.queries, {c.id for c in conversations})
    print(f"data: {len(conversations)} conversations, {len(queries)} queries ({args.queries})")
    server.ensure_database_sync(DATABASE)
    url = server.url(DATABASE)
    migrate.upgrade(url, embedding_dim=provider.dimension)
    started = time.perf_counter()
    if args.pipeline:
        dataset_id_of = pipeline_load.load(url, conversations)
        how = "through signed webhooks, ingest and the embedder"
    else:
        dataset_id_of = asyncio.run(_direct(url, conversations, provider))
        how = f"directly with {provider.model_name}"
    print(f"loaded {how} in {time.perf_counter() - started:.1f} s")
    rows = asyncio.run(_evaluate(url, provider, queries, dataset_id_of, args))
    print()
    print_table(rows)


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
    migrate.upgrade(url, embedding_dim=provider.dimension)
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
        "--dense-weights",
        type=lambda value: [float(w) for w in value.split(",")],
        default=[0.5, 0.7, 0.8, 0.9],
        help="convex fusion dense weights to compare (comma-separated)",
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
    return args


if __name__ == "__main__":
    main(parse(sys.argv[1:]))
