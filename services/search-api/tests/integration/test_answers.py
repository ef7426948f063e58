"""``POST /v1/answers`` with the extractive generator: retrieval through search (resolved
conversations' agent replies, knowledge), citations, escalation and handoffs; real Postgres
and model."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from parley_search_api_testkit import REPLY, AnswersCorpus, Caller, World, answers_corpus


@pytest.fixture
async def corpus(world: World) -> AnswersCorpus:
    return await answers_corpus(world)


async def answer(
    client: httpx.AsyncClient, caller: Caller, status: int = 200, **body: Any
) -> dict[str, Any]:
    response = await client.post("/v1/answers", json=body, headers=caller.headers)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def cited(draft: str) -> list[str]:
    return re.findall(r"\[([a-z]+:[^\]]+)\]", draft)


async def test_a_question_gets_the_resolving_reply_and_the_policy_each_sentence_cited(
    corpus: AnswersCorpus, client: httpx.AsyncClient
) -> None:
    result = await answer(client, corpus.caller, question="when will my refund arrive")
    assert result["generator"] == "extractive"
    assert result["fallback_reason"] is None
    ids = [c["id"] for c in result["citations"]]
    assert ids == [corpus.reply, corpus.refunds]
    reply, policy = result["citations"]
    assert reply["kind"] == "message"
    assert reply["quote"] == REPLY
    assert reply["url"].startswith("https://chat.example.com/app/accounts/1/conversations/")
    assert policy["kind"] == "article"
    assert policy["url"] == "https://help.example.com/hc/main/articles/refunds"
    assert "five working days" in policy["quote"]
    # Every sentence ends with its source.
    sentences = [s for s in re.split(r"(?<=\])\s+", result["draft"]) if s]
    assert len(sentences) >= 3
    assert all(re.search(r"\[[a-z]+:[^\]]+\]$", s) for s in sentences)
    assert set(cited(result["draft"])) == {corpus.reply, corpus.refunds}
    assert 0.5 <= result["confidence"] <= 1.0
    assert result["handoff_id"] is None  # a question has no conversation to hand off


async def test_private_notes_and_open_conversations_are_never_cited(
    corpus: AnswersCorpus, client: httpx.AsyncClient
) -> None:
    result = await answer(
        client,
        corpus.caller,
        question="shoes refund money back five days",
        filters={"include_private": True},
    )
    ids = {c["id"] for c in result["citations"]}
    assert corpus.private_note not in ids
    assert corpus.open_reply not in ids
    assert corpus.reply in ids


async def test_a_conversation_is_answered_from_its_customer_messages(
    corpus: AnswersCorpus, client: httpx.AsyncClient
) -> None:
    result = await answer(client, corpus.caller, conversation_id=corpus.asking)
    assert [c["id"] for c in result["citations"]] == [corpus.reply, corpus.refunds]
    # "refund" is a trigger phrase: the conversation gets a handoff, once.
    assert result["escalation"]["recommended"] is True
    assert {"code": "trigger_phrase", "detail": "refund*"} in result["escalation"]["reasons"]
    again = await answer(client, corpus.caller, conversation_id=corpus.asking)
    assert again["handoff_id"] == result["handoff_id"] is not None


async def test_another_projects_conversation_is_not_found(
    corpus: AnswersCorpus, client: httpx.AsyncClient
) -> None:
    result = await answer(client, corpus.stranger, 404, conversation_id=corpus.asking)
    assert result["error"]["code"] == "conversation_not_found"
    unknown = await answer(client, corpus.caller, 404, conversation_id="cw:1:999999")
    assert unknown["error"]["code"] == "conversation_not_found"


async def test_sources_limit_what_is_cited(
    corpus: AnswersCorpus, client: httpx.AsyncClient
) -> None:
    knowledge = await answer(
        client, corpus.caller, question="when will my refund arrive", sources=["articles"]
    )
    assert [c["id"] for c in knowledge["citations"]] == [corpus.refunds]
    replies = await answer(
        client, corpus.caller, question="when will my refund arrive", sources=["conversations"]
    )
    assert [c["id"] for c in replies["citations"]] == [corpus.reply]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, None),  # the request as a whole: one of the two is needed
        ({"question": "refund", "conversation_id": "cw:1:1"}, None),
        ({"question": "   "}, "question"),
        ({"conversation_id": "42"}, "conversation_id"),
        ({"question": "refund", "generator": "gpt"}, "generator"),
        ({"question": "refund", "sources": []}, "sources"),
    ],
)
async def test_bad_requests_are_422_with_the_field(
    corpus: AnswersCorpus, client: httpx.AsyncClient, body: dict[str, Any], field: str | None
) -> None:
    result = await answer(client, corpus.caller, 422, **body)
    assert result["error"]["code"] == "validation_error"
    if field is None:
        assert "exactly one of conversation_id and question" in result["error"]["message"]
    else:
        assert result["error"]["field"].startswith(field)


async def test_a_conversation_is_never_its_own_precedent(
    corpus: AnswersCorpus, client: httpx.AsyncClient
) -> None:
    result = await answer(client, corpus.caller, conversation_id=corpus.resolved)
    ids = {c["id"] for c in result["citations"]}
    assert corpus.reply not in ids
    assert corpus.refunds in ids


async def test_a_conversation_without_customer_messages_is_422(
    world: World, corpus: AnswersCorpus, client: httpx.AsyncClient
) -> None:
    agent_only = await world.conversation(1)
    await world.message(
        agent_only, "Hi, how can I help?", sender_type="User", message_type="outgoing"
    )
    await world.message(agent_only, "a customer's private remark", private=True)
    result = await answer(client, corpus.caller, 422, conversation_id=agent_only)
    assert result["error"]["code"] == "nothing_to_answer"
    assert result["error"]["field"] == "conversation_id"
