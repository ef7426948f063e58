"""Embedder throughput of each local model runtime against torch (same run, same texts).

    .venv/bin/python bench/embedder/throughput.py              # 1,000 messages
    .venv/bin/python bench/embedder/throughput.py --messages 5000 --runtimes torch openvino

For every runtime (``PARLEY_LOCAL_MODEL_RUNTIME``), on the same texts with the same batch
size, each timed before and after the embedder runs, in a process of its own (runtimes in
one process slow each other down: their thread pools compete):

- **raw encode**: the runtime alone on all its threads, one length-sorted pass after the
  other (for torch, ``SentenceTransformer.encode`` of all texts in one call);
- **provider alone**: the local provider, the embedder's arrangement (length-sorted passes
  on one-thread workers), no queue, no database.

The baseline is the faster of torch's two, so no arrangement of the model can flatter a
ratio. Then, per runtime, one embedder process (``faststream run parley_embedder.main:app``,
local provider on that runtime) against a private embedded Postgres and RabbitMQ vhost:
once it consumes, every message is published as ``message.upserted.v1`` and the clock runs
until every chunk is ``ready``. Target: the default runtime's embedder at least 2x torch's
embedder. The machine is shared; rely on
the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass, field

from parley_devstack.machine import free_port
from parley_devstack.machine import summary as machine
from parley_embedder.settings import EmbedderSettings
from parley_embeddings.local import LocalProvider
from parley_embeddings.local_runtimes import LocalEncoder, load_encoder
from parley_embeddings.local_runtimes.torch_encoder import TorchEncoder
from parley_schema.settings import LocalModelRuntime
from stack import (
    embedders,
    insert_messages,
    private_stack,
    publish,
    scrape,
    support_messages,
    wait_consumers,
    wait_ready,
)

WARM_UP_TEXTS = 500
DEFAULT_RUNTIME = EmbedderSettings.model_fields["local_model_runtime"].default


@dataclass
class Measured:
    runtime: LocalModelRuntime
    raw: list[float] = field(default_factory=list)
    alone: list[float] = field(default_factory=list)
    pipeline: float = 0.0
    tokens: float = 0.0
    calls: dict[str, float] = field(default_factory=dict)


def raw_rate(encoder: LocalEncoder, texts: list[str], batch_size: int) -> float:
    started = time.perf_counter()
    if isinstance(encoder, TorchEncoder):
        encoder.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
    else:
        by_length = sorted(texts, key=len)
        for start in range(0, len(texts), batch_size):
            encoder.encode(by_length[start : start + batch_size])
    return len(texts) / (time.perf_counter() - started)


def provider_rate(provider: LocalProvider, texts: list[str]) -> float:
    started = time.perf_counter()
    asyncio.run(provider.embed(texts))
    return len(texts) / (time.perf_counter() - started)


async def embedder_rate(
    texts: list[str], runtime: LocalModelRuntime, texts_per_call: int, model_batch_size: int
) -> tuple[float, dict[str, float]]:
    """Messages/s from publish to all ready; the model's share of that time, its calls."""
    account_id = 1
    metrics_port = free_port()
    async with private_stack() as stack:
        ids = await insert_messages(stack.database_url, texts, account_id)
        env = stack.env(
            batch_size=str(texts_per_call),
            embedding_provider="local",
            local_model_runtime=runtime.value,
            local_model_batch_size=str(model_batch_size),
            metrics_port=str(metrics_port),
        )
        with embedders(1, env):
            await wait_consumers(stack.amqp_url, 1, timeout_s=300)
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


def model_rates_here(runtime: LocalModelRuntime, messages: int, batch_size: int) -> None:
    """Raw and provider-alone texts/s of ``runtime`` in this process, as one JSON line."""
    texts = support_messages(messages)
    settings = EmbedderSettings()
    workers = settings.local_model_workers
    encoder = load_encoder(runtime, data_dir=settings.data_dir)
    parallel = load_encoder(runtime, data_dir=settings.data_dir, parallel_passes=workers)
    provider = LocalProvider(parallel, batch_size=batch_size, workers=workers)
    # Warm-up long enough that the first timed run is not slower than the second.
    raw_rate(encoder, texts[:WARM_UP_TEXTS], batch_size)
    provider_rate(provider, texts[:WARM_UP_TEXTS])
    rates = {
        "raw": raw_rate(encoder, texts, batch_size),
        "alone": provider_rate(provider, texts),
        "tokens": sum(provider.count_tokens(t) for t in texts) / len(texts),
    }
    sys.stdout.write(json.dumps(rates) + "\n")


def rates_in_own_process(
    runtime: LocalModelRuntime, messages: int, batch_size: int
) -> dict[str, float]:
    command = [sys.executable, __file__, "--messages", str(messages)]
    command += ["--batch-size", str(batch_size), "--model-rates-of", runtime.value]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rates: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument(
        "--model-rates-of",
        type=LocalModelRuntime,
        help="internal: print this runtime's raw and provider-alone rates and exit",
    )
    parser.add_argument(
        "--runtimes",
        type=LocalModelRuntime,
        nargs="+",
        default=list(LocalModelRuntime),
        help="runtimes to compare (torch is always measured: it is the baseline)",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=EmbedderSettings.model_fields["local_model_batch_size"].default,
        help="texts per forward pass, for the baselines and the embedder "
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
    if args.model_rates_of is not None:
        model_rates_here(args.model_rates_of, args.messages, args.batch_size)
        return
    runtimes = list(dict.fromkeys([LocalModelRuntime.TORCH, *args.runtimes]))
    texts = support_messages(args.messages)
    settings = EmbedderSettings()
    workers = settings.local_model_workers
    measured = {runtime: Measured(runtime) for runtime in runtimes}

    def model_rates() -> None:
        for runtime in runtimes:
            rates = rates_in_own_process(runtime, args.messages, args.batch_size)
            measured[runtime].raw.append(rates["raw"])
            measured[runtime].alone.append(rates["alone"])
            measured[runtime].tokens = rates["tokens"]

    model_rates()
    for runtime in runtimes:
        rate, calls = asyncio.run(
            embedder_rate(texts, runtime, args.texts_per_call, args.batch_size)
        )
        measured[runtime].pipeline, measured[runtime].calls = rate, calls
    model_rates()

    torch = measured[LocalModelRuntime.TORCH]
    baseline = max(sum(torch.raw) / 2, sum(torch.alone) / 2)
    print(f"machine: {machine()} (shared with other jobs: absolute figures are noisy)")
    tokens = torch.tokens
    print(
        f"inputs: {args.messages} messages, ~{tokens:.0f} tokens each, model batch size "
        f"{args.batch_size}, embedder PARLEY_BATCH_SIZE {args.texts_per_call}, {workers} model "
        f"workers (PARLEY_LOCAL_MODEL_WORKERS), PARLEY_EMBED_CALLS_IN_FLIGHT "
        f"{settings.embed_calls_in_flight}"
    )
    print(
        "baseline: torch, the faster of raw model.encode (one call, torch's threads) and the "
        f"provider alone ({workers} workers of one thread, no queue, no database): "
        f"{baseline:.1f} texts/s"
    )
    print()
    print(f"{'run':<52}{'texts/s':>10}{'vs torch':>10}")
    for m in measured.values():
        name = m.runtime.value
        for kind, rates in (("raw encode", m.raw), ("provider alone", m.alone)):
            for when, rate in zip(("before", "after"), rates, strict=True):
                label = f"{name}: {kind}, {when} the embedders"
                print(f"{label:<52}{rate:>10.1f}{rate / baseline:>10.2f}")
    print()
    print(
        f"{'embedder: publish -> all chunks ready':<40}{'texts/s':>10}{'vs torch':>10}"
        f"{'vs torch embedder':>19}{'vs own alone':>14}{'calls':>7}{'texts/call':>12}"
    )
    for m in measured.values():
        own = max(sum(m.raw) / 2, sum(m.alone) / 2)
        print(
            f"{m.runtime.value:<40}{m.pipeline:>10.1f}{m.pipeline / baseline:>10.2f}"
            f"{m.pipeline / torch.pipeline:>19.2f}{m.pipeline / own:>14.2f}"
            f"{m.calls['calls']:>7.0f}{m.calls['texts_per_call']:>12.1f}"
        )
    if DEFAULT_RUNTIME in measured and DEFAULT_RUNTIME is not LocalModelRuntime.TORCH:
        ratio = measured[DEFAULT_RUNTIME].pipeline / torch.pipeline
        verdict = "met" if ratio >= 2 else "NOT met"
        print(f"target: the default ({DEFAULT_RUNTIME.value}) embedder >= 2x torch's: {verdict}")


if __name__ == "__main__":
    main()
