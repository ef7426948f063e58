"""A model added to a running stack back-fills while searches keep answering with the model in
use, then takes over with one command: every real process, MiniLM and the multilingual model."""

from __future__ import annotations

import asyncio
import math
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest
from parley_embeddings.catalogue import MINILM, USE_MULTILINGUAL
from parley_schema.settings import ParleyBaseSettings
from parley_simulator.model import Conversation, Message
from parley_simulator.payloads import message_event
from parley_testing.stack import Stack

from .conftest import Searchers
from .test_pipeline import _conversation, _eventually, _message, _message_ids, _send

pytestmark = pytest.mark.e2e
HISTORY = 40
TARGET = "My parcel arrived with a crushed box and the vase inside is broken."
QUERY = "the delivery came damaged"


@pytest.fixture(scope="module")
def stack_settings() -> dict[str, str]:
    return {
        "PARLEY_MODELS_REFRESH_S": "0.5",
        "PARLEY_MODEL_BACKFILL_INTERVAL_S": "0.5",
        "PARLEY_MODEL_BACKFILL_RATE": "10",  # 40+ chunks: a few seconds of back-fill
        "PARLEY_MODEL_BACKFILL_BATCH": "4",
        "PARLEY_SEARCH_MODEL_CACHE_S": "0.5",
    }


def embeddings(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parley_cli", "embeddings", *args],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b)
    )


async def test_an_added_model_back_fills_while_search_answers_then_takes_over(
    stack: Stack, searchers: Searchers
) -> None:
    search = searchers.both_accounts
    conversation = _conversation(1)
    target = _message(TARGET)
    await _send(stack, _created(conversation, target))
    for i in range(HISTORY):
        await _send(stack, _created(conversation, _message(f"Question {i} about my invoice")))
    wanted = f"cwmsg:1:{target.id}"

    async def found() -> bool:
        return wanted in _message_ids(await search.search(QUERY, mode="semantic", limit=5))

    await _eventually(found, "the target is searchable with MiniLM", stack)
    status = embeddings(stack, "status")
    assert status.returncode == 0, status.stderr
    assert MINILM.name in status.stdout
    assert "in use" in status.stdout

    refused = embeddings(stack, "use", USE_MULTILINGUAL.name)
    assert refused.returncode == 1
    assert "is not held" in refused.stderr
    assert "add-model" in refused.stderr

    adding = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "parley_cli", "embeddings", "add-model", USE_MULTILINGUAL.name),
        env=stack.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    output = asyncio.ensure_future(adding.communicate())
    answered = 0
    while not output.done():  # searches keep answering, with MiniLM, during the back-fill
        result = await search.search(QUERY, mode="semantic", limit=5)
        assert wanted in _message_ids(result)
        answered += 1
        await asyncio.sleep(0.1)
    out, err = await output
    assert adding.returncode == 0, err.decode()
    assert "complete" in out.decode()
    assert answered > 3

    minilm_score = _score(await search.search(QUERY, mode="semantic", limit=5), wanted)
    switched = embeddings(stack, "use", USE_MULTILINGUAL.name)
    assert switched.returncode == 0, switched.stderr

    use = USE_MULTILINGUAL.load(ParleyBaseSettings())
    query_vector, target_vector = await use.embed([QUERY, TARGET])
    expected = cosine(query_vector, target_vector)

    async def uses_the_new_model() -> bool:
        result = await search.search(QUERY, mode="semantic", limit=5)
        return wanted in _message_ids(result) and abs(_score(result, wanted) - expected) < 1e-3

    await _eventually(uses_the_new_model, "search scores with the multilingual model", stack)
    assert abs(minilm_score - expected) > 1e-3  # it was another model before

    status = embeddings(stack, "status")
    assert f"{HISTORY + 1}/{HISTORY + 1} (100.0%)" in status.stdout
    dropped = embeddings(stack, "drop", MINILM.name)
    assert dropped.returncode == 0, dropped.stderr
    assert f"{HISTORY + 1} vector(s) removed" in dropped.stdout
    assert wanted in _message_ids(await search.search(QUERY, mode="semantic", limit=5))
    in_use = embeddings(stack, "drop", USE_MULTILINGUAL.name)
    assert in_use.returncode == 1
    assert "search uses" in in_use.stderr


def _created(conversation: Conversation, message: Message) -> dict[str, Any]:
    return message_event("message_created", conversation, message)


def _score(result: dict[str, Any], message_id: str) -> float:
    [hit] = [h for h in result["hits"] if h["message"]["id"] == message_id]
    return float(hit["scores"]["semantic"])
