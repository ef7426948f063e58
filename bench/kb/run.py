"""Knowledge documents through the embedder against raw ``model.encode`` of the same texts.

    flock /tmp/parley-measure.lock .venv/bin/python bench/kb/run.py             # 60 documents
    flock /tmp/parley-measure.lock .venv/bin/python bench/kb/run.py --documents 200

Synthetic Help Center articles (headings, paragraphs of 30-70 words, a few long ones that
the chunker splits) are stored in a private embedded Postgres as ingest stores them, then an
embedder (``EmbedderRuntime``, the local model, in this process) consumes one
``document.upserted.v1`` per document from a private RabbitMQ vhost; the clock runs from the
first publish until every document is ``ready``. The baseline is raw
``SentenceTransformer.encode`` of exactly the chunk texts the embedder embeds (the document
chunker's output) or the local provider alone on them, whichever is faster, each timed
before and after the embedder run in the same process. The machine
is shared: rely on the ratio, not on the absolute figures.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import aio_pika
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_devstack.machine import free_port
from parley_devstack.machine import summary as machine
from parley_devstack.rabbitmq import create_vhost, delete_vhost
from parley_embedder.runtime import EmbedderRuntime
from parley_embedder.settings import EmbedderSettings
from parley_embeddings.document_chunking import DocumentChunker
from parley_embeddings.local import LocalProvider, load_local_model
from parley_schema import migrate
from parley_schema.events import EVENTS_EXCHANGE, EventEnvelope
from parley_schema.logging import configure
from parley_schema.models import KbDocument
from parley_schema.settings import ParleyBaseSettings
from parley_testing.knowledge import article_global_id, markdownish, put_document
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

ACCOUNT_ID = 1
TOPICS = ["refunds", "shipping", "passwords", "invoices", "warranty", "accounts", "privacy"]
WORDS = [
    "customer",
    "order",
    "card",
    "payment",
    "parcel",
    "courier",
    "address",
    "invoice",
    "refund",
    "receipt",
    "account",
    "email",
    "password",
    "reset",
    "link",
    "code",
    "device",
    "app",
    "update",
    "warranty",
    "repair",
    "store",
    "return",
    "label",
    "days",
    "week",
    "support",
    "agent",
    "team",
    "plan",
    "price",
    "discount",
    "coupon",
    "tax",
    "country",
    "bank",
    "transfer",
    "delivery",
]


def articles(count: int, *, seed: int = 11) -> list[tuple[str, str]]:
    """(title, markdown) pairs: 3-6 sections of 1-3 paragraphs; one paragraph in ten is long."""
    rng = random.Random(seed)

    def sentence() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + "."

    documents = []
    for index in range(count):
        topic = rng.choice(TOPICS)
        parts = [f"# {topic.title()} guide {index}"]
        for section in range(rng.randint(3, 6)):
            parts.append(f"## {topic.title()} step {section + 1}")
            for _ in range(rng.randint(1, 3)):
                sentences = rng.randint(12, 20) if rng.random() < 0.1 else rng.randint(3, 5)
                parts.append(" ".join(sentence() for _ in range(sentences)))
        documents.append((f"{topic.title()} {index}", "\n\n".join(parts)))
    return documents


def raw_rate(model: Any, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    return len(texts) / (time.perf_counter() - started)


def provider_rate(provider: LocalProvider, texts: list[str]) -> float:
    started = time.perf_counter()
    asyncio.run(provider.embed(texts))
    return len(texts) / (time.perf_counter() - started)


async def store(url: str, documents: list[tuple[str, str]]) -> list[EventEnvelope]:
    engine = create_async_engine(url)
    events = []
    try:
        async with AsyncSession(engine) as session, session.begin():
            for index, (title, markdown) in enumerate(documents, start=1):
                events.append(
                    await put_document(
                        session,
                        global_id=article_global_id(ACCOUNT_ID, index),
                        title=title,
                        body=markdownish(markdown),
                        account_id=ACCOUNT_ID,
                        category="faq",
                        locale="en",
                    )
                )
    finally:
        await engine.dispose()
    return events


async def publish(amqp_url: str, events: list[EventEnvelope]) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        await asyncio.gather(
            *(
                exchange.publish(
                    aio_pika.Message(
                        event.model_dump_json().encode(),
                        content_type="application/json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        message_id=str(event.event_id),
                    ),
                    routing_key=event.type,
                )
                for event in events
            )
        )
    finally:
        await connection.close()


async def wait_ready(url: str, count: int, timeout_s: float = 3600) -> None:
    engine = create_async_engine(url)
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            async with AsyncSession(engine) as session:
                ready = await session.scalar(
                    select(func.count()).where(KbDocument.processing_status == "ready")
                )
            if (ready or 0) >= count:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{ready}/{count} documents ready after {timeout_s:.0f}s")
            await asyncio.sleep(0.25)
    finally:
        await engine.dispose()


async def embedder_run(
    provider: LocalProvider, documents: list[tuple[str, str]], batch_size: int
) -> float:
    """Seconds from the first publish until every document is ready."""
    with tempfile.TemporaryDirectory(prefix="parley-bench-kb-") as directory:
        server = EmbeddedDatabase(Path(directory), free_port(), options=EPHEMERAL_OPTIONS)
        server.start()
        vhost, amqp_url = create_vhost(str(ParleyBaseSettings().amqp_url), prefix="parley-bench")
        try:
            await server.ensure_database("bench")
            url = server.url("bench")
            await asyncio.to_thread(
                migrate.upgrade,
                url,
                embedding_dim=provider.dimension,
                embedding_model=provider.model_name,
            )
            events = await store(url, documents)
            settings = EmbedderSettings(
                database_url=url,
                amqp_url=amqp_url,
                metrics_port=0,
                batch_size=batch_size,
                log_level="WARNING",
            )
            configure(settings, service="embedder")  # its warnings only, as `parley up` runs it
            runtime = EmbedderRuntime.build(settings, provider)
            await runtime.start()
            try:
                started = time.perf_counter()
                await publish(amqp_url, events)
                await wait_ready(url, len(events))
                return time.perf_counter() - started
            finally:
                await runtime.stop()
        finally:
            delete_vhost(vhost)
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--documents", type=int, default=60)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=EmbedderSettings.model_fields["batch_size"].default,
        help="the embedder's PARLEY_BATCH_SIZE (texts per model call)",
    )
    args = parser.parse_args()
    defaults = EmbedderSettings()
    model = load_local_model()
    provider = LocalProvider(
        model, batch_size=defaults.local_model_batch_size, workers=defaults.local_model_workers
    )
    documents = articles(args.documents)
    chunker = DocumentChunker(
        provider.count_tokens,
        max_tokens=defaults.chunk_max_tokens,
        overlap_tokens=defaults.chunk_overlap_tokens,
    )
    texts = [
        chunk.text
        for title, markdown in documents
        for chunk in chunker.split(title, markdownish(markdown))
    ]
    model.encode(texts[:500], batch_size=defaults.local_model_batch_size)  # warm-up
    asyncio.run(provider.embed(texts[:500]))
    raw = [raw_rate(model, texts, defaults.local_model_batch_size)]
    alone = [provider_rate(provider, texts)]
    seconds = asyncio.run(embedder_run(provider, documents, args.batch_size))
    raw.append(raw_rate(model, texts, defaults.local_model_batch_size))
    alone.append(provider_rate(provider, texts))
    baseline = max(sum(raw) / 2, sum(alone) / 2)
    chunks_per_s = len(texts) / seconds
    tokens = sum(provider.count_tokens(text) for text in texts)
    print(f"machine: {machine()} (shared with other jobs: absolute figures are noisy)")
    print(
        f"inputs: {len(documents)} documents, {len(texts)} chunks "
        f"({len(texts) / len(documents):.1f} per document, ~{tokens / len(texts):.0f} tokens "
        f"each, chunk_max_tokens {defaults.chunk_max_tokens}), PARLEY_BATCH_SIZE "
        f"{args.batch_size}, {defaults.local_model_workers} model workers"
    )
    print("baseline: the faster of raw model.encode of the same chunk texts (one call, torch's")
    print("threads) and the local provider alone (its one-thread workers, no queue, no database)")
    print()
    print(f"{'run':<44}{'docs/s':>9}{'chunks/s':>10}{'ratio':>8}")
    for name, rates in (("raw model.encode", raw), ("provider alone", alone)):
        for when, rate in zip(("before", "after"), rates, strict=True):
            label = f"{name}, {when} the embedder run"
            print(f"{label:<44}{'':>9}{rate:>10.1f}{rate / baseline:>8.2f}")
    print(f"{'baseline (the faster mean)':<44}{'':>9}{baseline:>10.1f}{1.0:>8.2f}")
    print(
        f"{'embedder: publish -> all documents ready':<44}{len(documents) / seconds:>9.2f}"
        f"{chunks_per_s:>10.1f}{chunks_per_s / baseline:>8.2f}"
    )


if __name__ == "__main__":
    main()
