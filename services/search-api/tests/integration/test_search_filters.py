"""Every filter narrows results, in every mode, against real Postgres."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from parley_search_api_testkit import Caller, World

QUERY = "the printer is out of toner"
MODES = ["hybrid", "semantic", "keyword"]


async def _ids(client: httpx.AsyncClient, caller: Caller, mode: str, **filters: Any) -> set[str]:
    response = await client.post(
        "/v1/search",
        json={"q": QUERY, "mode": mode, "filters": filters, "limit": 100},
        headers=caller.headers,
    )
    assert response.status_code == 200, response.text
    return {hit["message"]["id"] for hit in response.json()["hits"]}


@pytest.fixture
async def corpus(world: World) -> tuple[Caller, dict[str, str]]:
    caller = await world.caller([(1, None), (2, None)])
    alice = await world.contact(1, name="Alice Martin")
    open_billing = await world.conversation(
        1, inbox_id=10, status="open", labels=["billing", "vip"], contact=alice
    )
    resolved = await world.conversation(1, inbox_id=11, status="resolved", labels=["hardware"])
    other_account = await world.conversation(2, inbox_id=20, status="pending")
    messages = {
        "contact": await world.message(
            open_billing, QUERY, created_at=datetime(2025, 3, 1, tzinfo=UTC)
        ),
        "agent": await world.message(
            open_billing, QUERY + " again", sender_type="User", message_type="outgoing"
        ),
        "private": await world.message(
            open_billing, QUERY + " (note)", sender_type="User", private=True
        ),
        "bot": await world.message(resolved, QUERY + "!", sender_type="AgentBot"),
        "template": await world.message(resolved, QUERY + "?", message_type="template"),
        "account2": await world.message(other_account, "Printer out of toner."),
    }
    return caller, messages


@pytest.mark.parametrize("mode", MODES)
async def test_filters_narrow_the_results(
    mode: str, corpus: tuple[Caller, dict[str, str]], client: httpx.AsyncClient
) -> None:
    caller, m = corpus
    public = set(m.values()) - {m["private"]}

    assert await _ids(client, caller, mode) == public
    assert await _ids(client, caller, mode, include_private=True) == set(m.values())
    assert await _ids(client, caller, mode, account_ids=[2]) == {m["account2"]}
    assert await _ids(client, caller, mode, inbox_ids=[11]) == {m["bot"], m["template"]}
    assert await _ids(client, caller, mode, sender_types=["agent"]) == {m["agent"]}
    assert await _ids(client, caller, mode, sender_types=["bot", "contact"]) == {
        m["bot"],
        m["template"],
        m["contact"],
        m["account2"],
    }
    assert await _ids(client, caller, mode, message_types=["outgoing"]) == {m["agent"]}
    assert await _ids(client, caller, mode, statuses=["resolved"]) == {m["bot"], m["template"]}
    assert await _ids(client, caller, mode, labels=["vip"]) == {m["contact"], m["agent"]}
    assert await _ids(client, caller, mode, created_before="2025-06-01T00:00:00Z") == {m["contact"]}
    assert m["contact"] not in await _ids(
        client, caller, mode, created_after="2025-06-01T00:00:00Z"
    )


async def test_conversation_and_contact_filters(
    world: World, corpus: tuple[Caller, dict[str, str]], client: httpx.AsyncClient
) -> None:
    caller, m = corpus
    alice = await _ids(client, caller, "hybrid", contact_ids=["cwc:1:999999"])
    assert alice == set()
    hits = (
        await client.post("/v1/search", json={"q": QUERY, "limit": 100}, headers=caller.headers)
    ).json()["hits"]
    by_message = {hit["message"]["id"]: hit["conversation"] for hit in hits}
    contact_id = by_message[m["contact"]]["contact"]["id"]
    conversation_id = by_message[m["bot"]]["id"]

    assert await _ids(client, caller, "semantic", contact_ids=[contact_id]) == {
        m["contact"],
        m["agent"],
    }
    assert await _ids(client, caller, "keyword", conversation_ids=[conversation_id]) == {
        m["bot"],
        m["template"],
    }


async def test_a_project_limited_to_one_inbox_sees_only_that_inbox(
    world: World, corpus: tuple[Caller, dict[str, str]], client: httpx.AsyncClient
) -> None:
    _, m = corpus
    inbox_caller = await world.caller([(1, 11)])

    assert await _ids(client, inbox_caller, "hybrid") == {m["bot"], m["template"]}
    assert await _ids(client, inbox_caller, "hybrid", inbox_ids=[10]) == set()
