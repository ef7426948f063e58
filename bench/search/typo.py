"""Keyword search where full text finds little: the typo fallback's latency and reach.

    .venv/bin/python bench/search/run.py --data-dir /tmp/bench100k --load-only
    flock /tmp/parley-measure.lock nice -n 19 .venv/bin/python bench/search/typo.py --data-dir /tmp/bench100k

On a database ``run.py`` loaded (``--data-dir``, same ``--chunks``), keyword searches through
the HTTP API (in-process ASGI, c=1) of three kinds, without a filter and under the ~2 % inbox
filter: ``misspelled`` (two six-letter topic words, each missing its last letter: the
fallback runs and should find the topic's messages), ``long unknown`` (30 words of the
corpus' syllables that are in none of the chunks: the query issue 17 names, a trigram search
over every chunk in scope) and ``one long word`` (200 letters, in none of the chunks). Prints p50/p99/max ms, how many searches found
anything, and the share of misspelled searches whose hits include the topic the words came
from. See README.md for the last figures.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import corpus as synthetic
import httpx
import loader
import numpy as np
from bench_provider import create_caller
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_embeddings.testing.precomputed import PrecomputedProvider
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from parley_testing.postgres import free_port
from run import DATABASE, FILTER, p, shared_buffers_for, timed
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

QUERIES = 60


def query_sets(
    data: synthetic.Corpus, rng: np.random.Generator
) -> dict[str, list[tuple[str, int]]]:
    """Query texts by kind, each with the topic it was drawn from (-1: none)."""
    known = {w for words in data.vocabularies for w in words} | set(synthetic.COMMON)
    misspelled: list[tuple[str, int]] = []
    while len(misspelled) < QUERIES:
        topic = int(data.topics[rng.integers(len(data.topics))])
        long_words = [w for w in data.vocabularies[topic][:15] if len(w) == 6]
        if len(long_words) >= 2:
            words = rng.choice(long_words, size=2, replace=False)
            misspelled.append((" ".join(str(w)[:-1] for w in words), topic))  # a letter lost
    # Words of the corpus' own syllables, so they share its common trigrams, in no chunk.
    unknown: list[tuple[str, int]] = []
    while len(unknown) < QUERIES:
        pseudo = ["".join(rng.choice(synthetic.SYLLABLES, size=4)) for _ in range(30)]
        if not known & set(pseudo):
            unknown.append((" ".join(pseudo), -1))
    letters = list("aeioubdfgklmnprstvz")
    long_word = [("".join(rng.choice(letters, size=200)), -1) for _ in range(QUERIES)]
    return {"misspelled": misspelled, "long unknown": unknown, "one long word": long_word}


async def main(args: argparse.Namespace) -> None:
    os.environ.setdefault("PARLEY_LOG_LEVEL", "WARNING")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    loaded = args.data_dir / f"loaded-{args.chunks}"
    if not loaded.exists():
        sys.exit(f"no database of {args.chunks} chunks in {args.data_dir}: run run.py --load-only")
    data = synthetic.build(args.chunks)
    sets = query_sets(data, np.random.default_rng(3))
    topic_of_chunk = {n: int(t) for n, t in enumerate(data.topics)}
    options = {
        **EPHEMERAL_OPTIONS,
        "shared_buffers": shared_buffers_for(args.chunks),
        "max_connections": "100",
    }
    server = EmbeddedDatabase(args.data_dir, free_port(), options=options)
    server.start()
    try:
        await loader.prewarm(server.url(DATABASE, driver="postgresql"))
        url = server.url(DATABASE)
        engine = create_async_engine(url)
        async with AsyncSession(engine) as session:
            token, _ = await create_caller(session, accounts=[1, 2, 3])
            await session.commit()
        await engine.dispose()
        app = create_app(SearchSettings(database_url=url), provider=PrecomputedProvider({}))
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app),
                base_url="http://bench",
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
            ) as client,
        ):
            print(f"{'kind':<15}{'filter':<8}| {'p50':>7}{'p99':>8}{'max':>8} | found  topic")
            for kind, queries in sets.items():
                for filters in ({}, FILTER):
                    await _measure(client, kind, queries, filters, topic_of_chunk)
    finally:
        server.stop()


async def _measure(
    client: httpx.AsyncClient,
    kind: str,
    queries: list[tuple[str, int]],
    filters: dict[str, object],
    topic_of_chunk: dict[int, int],
) -> None:
    found = on_topic = 0

    def call(text: str, topic: int) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            nonlocal found, on_topic
            response = await client.post(
                "/v1/search",
                json={"q": text, "mode": "keyword", "filters": filters, "limit": 10},
            )
            response.raise_for_status()
            hits = response.json()["hits"]
            found += bool(hits)
            topics = {topic_of_chunk[int(h["message"]["id"].rsplit(":", 1)[1])] for h in hits}
            on_topic += topic in topics

        return run

    await timed([call(t, topic) for t, topic in queries[:5]], 1)  # warm-up
    found = on_topic = 0
    latencies = await timed([call(t, topic) for t, topic in queries], 1)
    print(
        f"{kind:<15}{('inbox' if filters else '-'):<8}| {p(latencies, 50):7.1f}"
        f"{p(latencies, 99):8.1f}{max(latencies):8.1f} | {found:>5}  {on_topic:>5}"
    )


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--data-dir", type=Path, required=True)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse(sys.argv[1:])))
