"""Embedder throughput with the real local model against raw ``model.encode`` (same run).

    .venv/bin/python bench/embedder/throughput.py              # 1,000 messages
    .venv/bin/python bench/embedder/throughput.py --messages 5000

Two baselines, each timed before and after the embedder run, in this process: raw
``SentenceTransformer.encode`` on the same texts with the same batch size (one call, torch's
own threads), and the local provider alone (the embedder's arrangement: length-sorted passes
on one-thread workers, no queue, no database). The faster one is the baseline, so the
embedder's arrangement of the model cannot flatter the ratio. Then one embedder process
(``faststream run parley_embedder.main:app``, local provider) against a private embedded
Postgres and RabbitMQ vhost: once it consumes, every message is published as
``message.upserted.v1`` and the clock runs until every chunk is ``ready``. Target: embedder
≥ 0.85x the baseline. The machine is shared; rely on the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from parley_embedder.settings import EmbedderSettings
from parley_embeddings.local import LocalProvider, load_local_model
from stack import (
    embedders,
    free_port,
    insert_messages,
    machine,
    private_stack,
    publish,
    scrape,
    support_messages,
    wait_consumers,
    wait_ready,
)

WARM_UP_TEXTS = 1000


def raw_rate(model: Any, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False)
    return len(texts) / (time.perf_counter() - started)


def provider_rate(provider: LocalProvider, texts: list[str]) -> float:
    started = time.perf_counter()
    asyncio.run(provider.embed(texts))
    return len(texts) / (time.perf_counter() - started)


async def embedder_rate(
    texts: list[str], texts_per_call: int, model_batch_size: int
) -> tuple[float, dict[str, float]]:
    """Messages/s from publish to all ready; the model's share of that time, its calls."""
    account_id = 1
    metrics_port = free_port()
    async with private_stack() as stack:
        ids = await insert_messages(stack.database_url, texts, account_id)
        env = stack.env(
            batch_size=str(texts_per_call),
            embedding_provider="local",
            local_model_batch_size=str(model_batch_size),
            metrics_port=str(metrics_port),
        )
        with embedders(1, env):
            await wait_consumers(stack.amqp_url, 1)
            started = time.perf_counter()
            await publish(stack.amqp_url, ids, account_id)
            await wait_ready(stack.database_url, account_id, len(ids), timeout_s=3600)
            seconds = time.perf_counter() - started
            model_seconds = scrape(metrics_port, "parley_embedder_embed_seconds_sum")
            calls = scrape(metrics_port, "parley_embedder_embed_seconds_count")
            texts_embedded = scrape(metrics_port, "parley_embedder_batch_texts_sum")
    model = {
        "in_flight": model_seconds / seconds,
        "calls": calls,
        "texts_per_call": texts_embedded / calls,
    }
    return len(ids) / seconds, model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument(
        "--batch-size",
        type=int,
        default=EmbedderSettings.model_fields["local_model_batch_size"].default,
        help="texts per forward pass, for the baseline and the embedder "
        "(PARLEY_LOCAL_MODEL_BATCH_SIZE); default: the setting's default",
    )
    parser.add_argument(
        "--texts-per-call",
        type=int,
        default=64,
        help="the embedder's PARLEY_BATCH_SIZE, texts per model call (the local model runs "
        "a call in length-sorted passes of --batch-size texts)",
    )
    args = parser.parse_args()
    texts = support_messages(args.messages)
    model = load_local_model()
    workers = EmbedderSettings().local_model_workers
    provider = LocalProvider(model, batch_size=args.batch_size, workers=workers)
    # Warm-up long enough that the first timed run is not slower than the second.
    model.encode(texts[:WARM_UP_TEXTS], batch_size=args.batch_size)
    asyncio.run(provider.embed(texts[:WARM_UP_TEXTS]))
    tokens = sum(len(model.tokenizer.encode(t, add_special_tokens=False)) for t in texts)
    raw = [raw_rate(model, texts, args.batch_size)]
    alone = [provider_rate(provider, texts)]
    pipeline, calls = asyncio.run(embedder_rate(texts, args.texts_per_call, args.batch_size))
    raw.append(raw_rate(model, texts, args.batch_size))
    alone.append(provider_rate(provider, texts))
    baseline = max(sum(raw) / 2, sum(alone) / 2)
    print(f"machine: {machine()} (shared with other jobs: absolute figures are noisy)")
    print(
        f"inputs: {args.messages} messages, ~{tokens / len(texts):.0f} tokens each, "
        f"model batch size {args.batch_size}, embedder PARLEY_BATCH_SIZE {args.texts_per_call}, "
        f"{workers} model workers (PARLEY_LOCAL_MODEL_WORKERS)"
    )
    print("baseline: the faster of raw model.encode (one call on all texts, torch's threads)")
    print(f"and the local provider alone ({workers} workers of one thread, no queue, no database)")
    print()
    print(f"{'run':<46}{'texts/s':>10}{'ratio':>8}")
    for name, rates in (("raw model.encode", raw), ("provider alone", alone)):
        for when, rate in zip(("before", "after"), rates, strict=True):
            print(f"{f'{name}, {when} the embedder run':<46}{rate:>10.1f}{rate / baseline:>8.2f}")
    print(f"{'baseline':<46}{baseline:>10.1f}{1.0:>8.2f}")
    ratio = pipeline / baseline
    print(f"{'embedder: publish -> all chunks ready':<46}{pipeline:>10.1f}{ratio:>8.2f}")
    print(
        f"model calls: {calls['calls']:.0f}, {calls['texts_per_call']:.1f} texts each, "
        f"{calls['in_flight']:.2f} under way on average (PARLEY_EMBED_CALLS_IN_FLIGHT, "
        f"default {EmbedderSettings.model_fields['embed_calls_in_flight'].default})"
    )
    print(f"target >= 0.85x baseline: {'met' if ratio >= 0.85 else 'NOT met'}")


if __name__ == "__main__":
    main()
