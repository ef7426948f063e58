"""The ``llm`` generator against a fake OpenAI-compatible chat server (real HTTP, OpenAI's
documented shapes): drafts checked and streamed, invented citations rejected, a down or slow
model replaced by the extractive draft, everything sent redacted; real Postgres and model."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from parley_embeddings.local import LocalProvider
from parley_embeddings.testing.fake_openai_server import FakeOpenAIServer, FakeServerState
from parley_search_api.settings import SearchSettings
from parley_search_api_testkit import (
    CHATWOOT_URL,
    INVENTED_ID,
    AnswersCorpus,
    World,
    answers_corpus,
    citing_model,
    inventing_model,
    open_client,
    sources_sent,
    uncited_model,
)
from sqlalchemy.ext.asyncio import AsyncSession

QUESTION = "when will my refund arrive"
API_KEY = "sk-test-0123456789abcdefghijklmnop"


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(FakeServerState(chat=citing_model, api_key=API_KEY)) as server:
        yield server


def llm_settings(database_url: str, base_url: str, **more: Any) -> SearchSettings:
    return SearchSettings(
        database_url=database_url,
        chatwoot_base_url=CHATWOOT_URL,
        llm_base_url=base_url,
        llm_api_key=API_KEY,
        llm_model="fake-chat",
        **more,
    )


@pytest.fixture
async def llm_client(
    database_url: str,
    fake_llm: FakeOpenAIServer,
    provider: LocalProvider,
    db_session: AsyncSession,
) -> AsyncIterator[httpx.AsyncClient]:
    settings = llm_settings(database_url, fake_llm.base_url, llm_timeout_s=1.0)
    async for client in open_client(settings, provider, db_session):
        yield client


@pytest.fixture
async def corpus(world: World) -> AnswersCorpus:
    return await answers_corpus(world)


async def answer(client: httpx.AsyncClient, corpus: AnswersCorpus, **body: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/answers", json={"generator": "llm", **body}, headers=corpus.caller.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def events(stream: str) -> list[tuple[str, Any]]:
    """The (event, data) pairs of a text/event-stream body."""
    parsed = []
    for block in stream.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            parsed.append((fields["event"], json.loads(fields["data"])))
    return parsed


async def test_the_models_draft_is_checked_and_its_citations_are_the_retrieved_passages(
    corpus: AnswersCorpus, llm_client: httpx.AsyncClient, fake_llm: FakeOpenAIServer
) -> None:
    result = await answer(llm_client, corpus, question=QUESTION)
    assert result["generator"] == "llm"
    assert result["fallback_reason"] is None
    sent = sources_sent(fake_llm.state.chat_requests[-1]["messages"])
    assert corpus.reply in sent
    assert corpus.refunds in sent
    assert result["draft"] == citing_model(fake_llm.state.chat_requests[-1]["messages"])
    assert [c["id"] for c in result["citations"]] == sent
    request = fake_llm.state.chat_requests[-1]
    assert request["model"] == "fake-chat"
    assert request["stream"] is False
    assert "Never cite an id that is not listed" in request["messages"][0]["content"]


async def test_a_draft_citing_an_invented_id_is_replaced_by_the_extractive_one(
    corpus: AnswersCorpus, llm_client: httpx.AsyncClient, fake_llm: FakeOpenAIServer
) -> None:
    extractive = await answer(llm_client, corpus, question=QUESTION, generator="extractive")
    fake_llm.state.chat = inventing_model
    result = await answer(llm_client, corpus, question=QUESTION)
    assert result["generator"] == "extractive"
    assert result["fallback_reason"] == "invented_citation"
    assert INVENTED_ID not in result["draft"]
    assert result["draft"] == extractive["draft"]
    assert result["citations"] == extractive["citations"]


async def test_a_draft_citing_nothing_is_replaced(
    corpus: AnswersCorpus, llm_client: httpx.AsyncClient, fake_llm: FakeOpenAIServer
) -> None:
    fake_llm.state.chat = uncited_model
    result = await answer(llm_client, corpus, question=QUESTION)
    assert (result["generator"], result["fallback_reason"]) == ("extractive", "no_citation")
    assert [c["id"] for c in result["citations"]] == [corpus.reply, corpus.refunds]


async def test_a_slow_model_times_out_into_the_extractive_draft(
    corpus: AnswersCorpus, llm_client: httpx.AsyncClient, fake_llm: FakeOpenAIServer
) -> None:
    fake_llm.state.latency_s = 3.0  # the client waits 1 s
    result = await answer(llm_client, corpus, question=QUESTION)
    assert (result["generator"], result["fallback_reason"]) == ("extractive", "llm_unavailable")
    assert [c["id"] for c in result["citations"]] == [corpus.reply, corpus.refunds]


async def test_a_model_that_is_down_or_refuses_falls_back(
    corpus: AnswersCorpus,
    database_url: str,
    provider: LocalProvider,
    db_session: AsyncSession,
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    with FakeOpenAIServer(FakeServerState(chat=citing_model, api_key="another-key")) as wrong:
        for base_url in (closed, wrong.base_url):  # refused connection; 401
            settings = llm_settings(database_url, base_url)
            async for client in open_client(settings, provider, db_session):
                result = await answer(client, corpus, question=QUESTION)
                assert result["fallback_reason"] == "llm_unavailable"
                assert result["generator"] == "extractive"
                assert result["citations"]


async def test_without_a_configured_model_llm_falls_back(
    corpus: AnswersCorpus, client: httpx.AsyncClient
) -> None:
    result = await answer(client, corpus, question=QUESTION)
    assert (result["generator"], result["fallback_reason"]) == (
        "extractive",
        "llm_not_configured",
    )


async def test_what_the_model_is_sent_is_redacted(
    world: World, llm_client: httpx.AsyncClient, fake_llm: FakeOpenAIServer
) -> None:
    caller = await world.caller([(1, None)])
    article = await world.document(
        "# Billing\n\nWrite to billing@example.com or call +49 30 901820 about card refunds.",
        title="Billing",
        account_id=1,
    )
    question = "refund to card 4111 1111 1111 1111 please, I am anna@example.org"
    response = await llm_client.post(
        "/v1/answers",
        json={"question": question, "generator": "llm", "sources": ["articles"]},
        headers=caller.headers,
    )
    assert response.status_code == 200, response.text
    assert [c["id"] for c in response.json()["citations"]] == [article]
    sent = json.dumps(fake_llm.state.chat_requests[-1])
    for value in ("4111 1111 1111 1111", "anna@example.org", "billing@example.com", "901820"):
        assert value not in sent
    for placeholder in ("[card]", "[email]", "[phone]"):
        assert placeholder in sent


@pytest.mark.parametrize("ask", ["accept", "body"])
async def test_a_streamed_draft_is_its_tokens_then_the_checked_answer(
    corpus: AnswersCorpus,
    llm_client: httpx.AsyncClient,
    fake_llm: FakeOpenAIServer,
    ask: str,
) -> None:
    headers = dict(corpus.caller.headers)
    body: dict[str, Any] = {"question": QUESTION, "generator": "llm"}
    if ask == "accept":
        headers["Accept"] = "text/event-stream"
    else:
        body["stream"] = True
    response = await llm_client.post("/v1/answers", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    received = events(response.text)
    tokens = [data["text"] for name, data in received if name == "token"]
    assert len(tokens) > 5  # word by word, as the model streamed it
    assert [name for name, _ in received] == ["token"] * len(tokens) + ["answer"]
    final = received[-1][1]
    assert final["generator"] == "llm"
    assert final["draft"] == "".join(tokens).strip()
    assert fake_llm.state.chat_requests[-1]["stream"] is True
    assert {c["id"] for c in final["citations"]} == {corpus.reply, corpus.refunds}


async def test_a_streamed_draft_with_an_invented_citation_ends_with_the_extractive_answer(
    corpus: AnswersCorpus, llm_client: httpx.AsyncClient, fake_llm: FakeOpenAIServer
) -> None:
    fake_llm.state.chat = inventing_model
    response = await llm_client.post(
        "/v1/answers",
        json={"question": QUESTION, "generator": "llm", "stream": True},
        headers=corpus.caller.headers,
    )
    received = events(response.text)
    assert INVENTED_ID in "".join(d["text"] for name, d in received if name == "token")
    name, final = received[-1]
    assert name == "answer"
    assert (final["generator"], final["fallback_reason"]) == ("extractive", "invented_citation")
    assert INVENTED_ID not in final["draft"]
    assert {c["id"] for c in final["citations"]} == {corpus.reply, corpus.refunds}


async def test_an_extractive_answer_streams_as_one_token_and_the_answer(
    corpus: AnswersCorpus, llm_client: httpx.AsyncClient
) -> None:
    response = await llm_client.post(
        "/v1/answers",
        json={"conversation_id": corpus.asking, "stream": True},
        headers=corpus.caller.headers,
    )
    received = events(response.text)
    assert [name for name, _ in received] == ["token", "answer"]
    final = received[1][1]
    assert final["draft"] == received[0][1]["text"]
    assert final["generator"] == "extractive"
    assert final["handoff_id"] is not None  # opened before the stream began
