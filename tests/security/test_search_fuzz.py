"""search-api answers every input, and only with statuses its OpenAPI document declares.

Against the running stack (issue 17, items 6 and 7): a user with an API token for a project
that may search account 1, and a few conversations there, sent through ingest as signed
webhooks and embedded by the embedder. Then

- queries whose unaccented form is not ``to_tsquery`` syntax (``½`` unaccents to `` 1/2``,
  ``¾`` to `` 3/4``) are answered 200 in every mode, GET and POST;
- a statement past ``PARLEY_STATEMENT_TIMEOUT_S`` (the tables a search reads are locked)
  answers the documented 503 ``search_timeout``, and the next request is served;
- a two-minute schemathesis run (every phase: examples, coverage, fuzzing, stateful) with
  that token finds no server error and no undocumented status code.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from parley_cli.client import create_user, provision_token
from parley_simulator.delivery import deliver
from parley_simulator.model import Account, Agent, Contact, Conversation, Inbox, Message
from parley_simulator.payloads import message_event
from parley_testing.stack import Stack
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

PASSWORD = "search fuzzing password"
FUZZ_SECONDS = 120
PHASES = ("examples", "coverage", "fuzzing", "stateful")
INDEXED_WITHIN_S = 120.0
MODES = ("semantic", "keyword", "hybrid")
TSQUERY_BREAKERS = ("abc½def", "x¾y", "½", "refund ¾ of the order", "Jos½é ⅞ Müller")
TEXTS = (
    "I was charged twice for my subscription, please refund one payment",
    "The parcel tracking page has shown 'label created' for a week",
    "Password reset email never arrives; I cannot log in",
    "Error 0x80070005 when installing the desktop app",
    "Can I get ½ of the order refunded? ¾ of the items arrived broken",
)
_ids = itertools.count(910_000)


@dataclass(frozen=True)
class Searchable:
    token: str
    conversation_ids: list[str]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _conversation(contact_name: str) -> Conversation:
    contact_id = next(_ids)
    return Conversation(
        account=Account(1, "Account 1"),
        inbox=Inbox(11, "Website chat"),
        display_id=next(_ids),
        contact=Contact(contact_id, contact_name, f"c{contact_id}@customer.example", None),
        assignee=Agent(1, "Maya Lindqvist", "maya@support.example"),
        topic="fuzz",
        language="en",
        created_at=datetime.now(UTC),
    )


async def _seed(stack: Stack) -> dict[str, str]:
    """One conversation per text in account 1, a message each: message id → conversation id."""
    seeded = {}
    async with httpx.AsyncClient(base_url=stack.url("ingest"), timeout=10) as ingest:
        for n, content in enumerate(TEXTS):
            conversation = _conversation(("Dana Example", "Jos½é Müller")[n % 2])
            message = Message(next(_ids), content, datetime.now(UTC), incoming=True)
            body = message_event("message_created", conversation, message)
            await deliver(ingest, body, stack.webhook_secrets)
            seeded[f"cwmsg:1:{message.id}"] = f"cw:1:{conversation.display_id}"
    return seeded


@pytest.fixture(scope="module")
async def searchable(stack: Stack) -> Searchable:
    await create_user(stack.env, "search-fuzzer", PASSWORD)
    token = await provision_token(
        stack.url("auth"),
        username="search-fuzzer",
        password=PASSWORD,
        project="fuzzed",
        account_ids=[1],
    )
    seeded = await _seed(stack)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=stack.url("search-api"), headers=headers) as client:
        deadline = asyncio.get_running_loop().time() + INDEXED_WITHIN_S
        while True:
            response = await client.post("/v1/search", json={"q": "order", "limit": 100})
            found = {hit["message"]["id"] for hit in response.json().get("hits", [])}
            if response.status_code == 200 and set(seeded) <= found:
                break
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(f"the seeded messages were never searchable\n{stack.log_tail(3000)}")
            await asyncio.sleep(0.5)
    return Searchable(token, sorted(set(seeded.values())))


@pytest.mark.parametrize("mode", MODES)
async def test_queries_that_unaccent_to_tsquery_syntax_are_answered(
    stack: Stack, searchable: Searchable, mode: str
) -> None:
    async with httpx.AsyncClient(
        base_url=stack.url("search-api"), headers=searchable.headers
    ) as client:
        for q in TSQUERY_BREAKERS:
            got = await client.get("/v1/search", params={"q": q, "mode": mode})
            posted = await client.post("/v1/search", json={"q": q, "mode": mode})
            assert got.status_code == 200, (q, got.text)
            assert posted.status_code == 200, (q, posted.text)
        found = await client.post("/v1/search", json={"q": "½ of the order", "mode": mode})
    assert found.json()["hits"], "the message with ½ in it is found"


async def test_a_statement_past_the_timeout_answers_503_search_timeout(
    stack: Stack, searchable: Searchable, db_engine: AsyncEngine
) -> None:
    conversation = searchable.conversation_ids[0]
    async with httpx.AsyncClient(
        base_url=stack.url("search-api"), headers=searchable.headers, timeout=60
    ) as client:
        document = (await client.get("/openapi.json")).json()
        async with db_engine.connect() as blocker:
            # What searches and conversation reads need: their statements wait on the locks
            # until PARLEY_STATEMENT_TIMEOUT_S (5 s by default) cancels them.
            await blocker.execute(
                text("LOCK TABLE rag_chunks, cw_conversations IN ACCESS EXCLUSIVE MODE")
            )
            timed_out = await asyncio.gather(
                client.get("/v1/search", params={"q": "refund", "mode": "keyword"}),
                client.post("/v1/search", json={"q": "refund", "mode": "hybrid"}),
                client.get(f"/v1/conversations/{conversation}"),
                client.get(f"/v1/conversations/{conversation}/similar"),
            )
            await blocker.rollback()
        served = await client.get(f"/v1/conversations/{conversation}")

    for response in timed_out:
        assert response.status_code == 503, (response.request.url, response.text)
        assert response.json()["error"]["code"] == "search_timeout"
    assert served.status_code == 200, served.text
    for path, operations in document["paths"].items():
        for operation in operations.values():
            if path.startswith("/v1/"):
                assert "search_timeout" in operation["responses"]["503"]["description"], path


def test_two_minutes_of_schemathesis_find_no_server_error_or_undocumented_status(
    stack: Stack, searchable: Searchable, tmp_path: Path
) -> None:
    report = tmp_path / "schemathesis.json"
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{stack.url('search-api')}/openapi.json",
        f"--phases={','.join(PHASES)}",
        "--checks=not_a_server_error,status_code_conformance",
        f"--max-time={FUZZ_SECONDS}",
        # One worker: with two, hypothesis' lambda descriptions call ast.parse in two threads
        # at once, which CPython 3.11 can fail ("AST constructor recursion depth mismatch").
        "--workers=1",
        "--request-timeout=30",
        "--generation-database=none",
        "--no-color",
        "--header",
        f"Authorization: Bearer {searchable.token}",
        "--report=json",
        f"--report-json-path={report}",
    ]
    run = subprocess.run(  # in tmp_path: schemathesis keeps a crash cache in its cwd
        command, cwd=tmp_path, capture_output=True, text=True, timeout=FUZZ_SECONDS * 3, check=False
    )
    output = run.stdout[-20_000:] + run.stderr[-5_000:]
    document: dict[str, Any] = json.loads(report.read_text())
    assert document["failures"] == [], output
    assert document["errors"] == [], output
    assert run.returncode == 0, output
    ran = {name: phase["status"] for name, phase in document["phases"].items()}
    assert ran == dict.fromkeys(PHASES, "success"), output
    assert document["operations"]["tested"] == document["operations"]["total"], output
    assert document["test_cases"]["generated"] > 1000, output
