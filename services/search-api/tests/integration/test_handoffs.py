"""Handoffs: opened by answers for conversations whose escalation is recommended (one open
per conversation), listed within the caller's project with status filters and cursor paging,
moved ``pending → routed → resolved``; real Postgres."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from parley_schema.models import Handoff
from parley_search_api_testkit import Caller, World
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def escalate(client: httpx.AsyncClient, caller: Caller, conversation: str) -> str:
    response = await client.post(
        "/v1/answers", json={"conversation_id": conversation}, headers=caller.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["escalation"]["recommended"] is True
    handoff_id: str = body["handoff_id"]
    return handoff_id


async def handoffs(client: httpx.AsyncClient, caller: Caller, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/handoffs", params=params, headers=caller.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def patch(
    client: httpx.AsyncClient, caller: Caller, handoff_id: str, expect: int, **body: Any
) -> dict[str, Any]:
    response = await client.patch(f"/v1/handoffs/{handoff_id}", json=body, headers=caller.headers)
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def angry_conversation(world: World, account_id: int = 1) -> str:
    conversation = await world.conversation(account_id)
    await world.message(
        conversation, "This is unacceptable. I want my money back, or my lawyer calls."
    )
    return conversation


async def test_a_trigger_phrase_opens_one_pending_handoff_with_its_reasons(
    world: World, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    caller = await world.caller([(1, None)])
    conversation = await angry_conversation(world)
    first = await escalate(client, caller, conversation)
    assert await escalate(client, caller, conversation) == first
    count = await db_session.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(Handoff.conversation_global_id == conversation)
    )
    assert count == 1
    [listed] = (await handoffs(client, caller))["handoffs"]
    assert listed["id"] == first
    assert listed["conversation_id"] == conversation
    assert listed["status"] == "pending"
    assert listed["recommended"] is True
    assert listed["provider"] is None
    codes = {(r["code"], r["detail"]) for r in listed["reasons"]}
    assert {
        ("trigger_phrase", "money back"),
        ("trigger_phrase", "lawyer*"),
        ("negative_sentiment", "unacceptable"),
        ("low_confidence", "0.00 < 0.50"),  # nothing to retrieve in this project
    } <= codes
    assert "trigger_phrase: money back" in listed["reason"]


async def test_a_calm_well_answered_question_opens_none(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    await world.document(
        "# Passwords\n\nReset your password from the sign-in page with the Forgot password link.",
        title="Passwords",
        account_id=1,
    )
    conversation = await world.conversation(1)
    await world.message(conversation, "How do I reset my password from the sign-in page?")
    response = await client.post(
        "/v1/answers", json={"conversation_id": conversation}, headers=caller.headers
    )
    body = response.json()
    assert body["escalation"] == {"recommended": False, "reasons": []}, body
    assert body["handoff_id"] is None
    assert (await handoffs(client, caller))["handoffs"] == []


async def test_status_moves_forward_only_and_a_resolved_one_makes_room_for_a_new_one(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    conversation = await angry_conversation(world)
    handoff = await escalate(client, caller, conversation)
    routed = await patch(client, caller, handoff, 200, status="routed", provider="zendesk")
    assert (routed["status"], routed["provider"]) == ("routed", "zendesk")
    assert routed["updated_at"] >= routed["created_at"]
    same = await patch(client, caller, handoff, 200, status="routed")
    assert (same["status"], same["provider"], same["updated_at"]) == (
        "routed",
        "zendesk",
        routed["updated_at"],
    )  # nothing changed
    rerouted = await patch(client, caller, handoff, 200, status="routed", provider="email")
    assert (rerouted["status"], rerouted["provider"]) == ("routed", "email")
    back = await patch(client, caller, handoff, 409, status="pending")
    assert back["error"]["code"] == "handoff_transition_refused"
    assert back["error"]["field"] == "status"
    assert (await patch(client, caller, handoff, 200, status="resolved"))["status"] == "resolved"
    assert (await patch(client, caller, handoff, 409, status="routed"))["error"]["code"] == (
        "handoff_transition_refused"
    )
    again = await escalate(client, caller, conversation)
    assert again != handoff
    pending = await handoffs(client, caller, status="pending")
    assert [h["id"] for h in pending["handoffs"]] == [again]
    both = await handoffs(client, caller, status=["pending", "resolved"])
    assert {h["id"] for h in both["handoffs"]} == {handoff, again}


async def test_a_pending_handoff_can_be_dismissed(world: World, client: httpx.AsyncClient) -> None:
    caller = await world.caller([(1, None)])
    handoff = await escalate(client, caller, await angry_conversation(world))
    assert (await patch(client, caller, handoff, 200, status="resolved"))["status"] == "resolved"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "escalated"}, "status"),
        ({}, "status"),
        ({"status": "resolved", "provider": "zendesk"}, None),
        ({"status": "routed", "provider": ""}, "provider"),
        ({"status": "routed", "extra": 1}, "extra"),
    ],
)
async def test_bad_updates_are_422(
    world: World, client: httpx.AsyncClient, body: dict[str, Any], field: str | None
) -> None:
    caller = await world.caller([(1, None)])
    handoff = await escalate(client, caller, await angry_conversation(world))
    error = (await patch(client, caller, handoff, 422, **body))["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == field
    [unchanged] = (await handoffs(client, caller))["handoffs"]
    assert unchanged["status"] == "pending"


async def test_handoffs_of_other_projects_are_invisible_and_unknown(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    stranger = await world.caller([(2, None)])
    inbox_only = await world.caller([(1, 7)])
    handoff = await escalate(client, caller, await angry_conversation(world))
    assert (await handoffs(client, stranger))["handoffs"] == []
    assert (await handoffs(client, inbox_only))["handoffs"] == []  # the conversation is inbox 1
    missing = await patch(client, stranger, handoff, 404, status="routed")
    assert missing["error"]["code"] == "handoff_not_found"
    unknown = await patch(
        client, caller, "00000000-0000-0000-0000-000000000000", 404, status="routed"
    )
    assert unknown["error"]["code"] == "handoff_not_found"
    [still] = (await handoffs(client, caller))["handoffs"]
    assert still["status"] == "pending"


async def test_listing_pages_with_cursors_newest_first(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    opened = [await escalate(client, caller, await angry_conversation(world)) for _ in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = await handoffs(client, caller, **params)
        seen += [h["id"] for h in page["handoffs"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(opened)
    assert len(seen) == 5
    first = await handoffs(client, caller, limit=2)
    response = await client.get(
        "/v1/handoffs",
        params={"limit": 2, "status": "routed", "cursor": first["next_cursor"]},
        headers=caller.headers,
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "cursor_mismatch"
    one = await handoffs(
        client,
        caller,
        conversation_id=(await handoffs(client, caller))["handoffs"][0]["conversation_id"],
    )
    assert len(one["handoffs"]) == 1
