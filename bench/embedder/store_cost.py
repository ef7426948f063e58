"""Postgres CPU per chunk for the embedder's writes, against the model's CPU per text.

    .venv/bin/python bench/embedder/store_cost.py                 # 3,000 messages

Runs the embedder's own database steps (``ChunkService.sync_many``: lock, read, upsert the
chunks as ``pending``, claim them; ``store_vectors``: the vectors and ``ready``) on batches
of 64 messages against a private embedded Postgres with the real schema, and reads the
server process's CPU time from /proc around each step. The same run again without the
model's scan index, and without its HNSW index, shows what maintaining each costs. The
model's CPU per text (raw ``model.encode``, all its threads) is measured in the same run: on
a machine where the database shares the model's cores, their sum bounds what the pipeline
can reach.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import time
from datetime import timedelta

import numpy as np
import structlog
from parley_devstack.machine import summary as machine
from parley_embedder.chunks.policy import EmbedPolicy
from parley_embedder.chunks.service import ChunkService, SyncRequest
from parley_embedder.models.vectors import ModelVectors
from parley_embeddings.chunking import Chunker
from parley_embeddings.local import LOCAL_DIMENSION, LOCAL_MODEL_NAME, load_local_model
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.settings import ParleyBaseSettings
from parley_schema.vector_slots import SlotModel
from sqlalchemy import text
from stack import insert_messages, private_stack, support_messages

BATCH = 64
# The model a new database holds (migration 0015): its partial indexes cover what is stored
SLOT_1 = SlotModel(LOCAL_MODEL_NAME, 1, LOCAL_DIMENSION)
HNSW_INDEX, SCAN_INDEX = SLOT_1.columns.index_names


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of a process on this machine (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def store_cost(
    texts: list[str], vectors: np.ndarray, *, dropped: tuple[str, ...] = ()
) -> dict[str, float]:
    """Postgres CPU milliseconds per chunk for the sync step and for storing vectors, with
    the ``dropped`` indexes dropped first."""
    chunks = ChunkService(
        chunker=Chunker(lambda t: len(t.split()), max_tokens=10_000, overlap_tokens=0),
        policy=EmbedPolicy(),
        model=SLOT_1.name,
        stuck_after=timedelta(minutes=5),
    )
    async with private_stack() as stack:
        ids = await insert_messages(stack.database_url, texts, account_id=1)
        position = {id_: index for index, id_ in enumerate(ids)}
        engine = create_engine(ParleyBaseSettings(database_url=stack.database_url, db_pool_size=1))
        sessions = create_sessionmaker(engine)
        spent = {"sync": 0.0, "store": 0.0}
        try:
            async with sessions() as session:
                for index in dropped:
                    await session.execute(text(f"DROP INDEX {index}"))
                await session.commit()
                pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                for start in range(0, len(ids), BATCH):
                    batch = [SyncRequest(id_) for id_ in ids[start : start + BATCH]]
                    before = cpu_seconds(pid)
                    results = await chunks.sync_many(session, batch)
                    await session.commit()
                    middle = cpu_seconds(pid)
                    claimed = [chunk for result in results.values() for chunk in result.claimed]
                    rows = [position[chunk.owner_global_id] for chunk in claimed]
                    await chunks.store_vectors(
                        session, claimed, [ModelVectors(SLOT_1, vectors[rows].tolist())]
                    )
                    await session.commit()
                    spent["sync"] += middle - before
                    spent["store"] += cpu_seconds(pid) - middle
        finally:
            await engine.dispose()
    return {step: seconds * 1000 / len(texts) for step, seconds in spent.items()}


def model_cost(texts: list[str]) -> float:
    """CPU milliseconds per text of raw ``model.encode`` (process CPU, all threads)."""
    model = load_local_model()
    model.encode(texts[:500], batch_size=16)  # warm-up
    started = time.process_time()
    model.encode(texts, batch_size=16, normalize_embeddings=True)
    return (time.process_time() - started) * 1000 / len(texts)


def main() -> None:
    # The embedder's steps log each batch at debug level; the table is what this prints.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=3000)
    args = parser.parse_args()
    texts = support_messages(args.messages)
    vectors = np.random.default_rng(7).standard_normal((len(texts), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    costs = {
        "Postgres, all indexes": asyncio.run(store_cost(texts, vectors)),
        "Postgres, no scan index": asyncio.run(store_cost(texts, vectors, dropped=(SCAN_INDEX,))),
        "Postgres, no HNSW": asyncio.run(store_cost(texts, vectors, dropped=(HNSW_INDEX,))),
    }
    model = model_cost(texts)
    print(f"machine: {machine()}")
    print(f"inputs: {len(texts)} messages of one chunk each, batches of {BATCH}")
    print()
    print(f"{'CPU ms per chunk':<42}{'sync':>8}{'store':>8}{'total':>8}{'/model':>8}")
    for name, cost in costs.items():
        total = cost["sync"] + cost["store"]
        print(
            f"{name:<42}{cost['sync']:>8.2f}{cost['store']:>8.2f}{total:>8.2f}{total / model:>8.2f}"
        )
    print(f"{'model.encode (raw, all threads)':<42}{'':>8}{'':>8}{model:>8.2f}{1.0:>8.2f}")


if __name__ == "__main__":
    main()
