"""``POST /v1/conversations/search`` and the attribute and contact filters of ``/v1/search``,
against real Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from parley_search_api_testkit import Caller, World

T0 = datetime(2026, 3, 1, tzinfo=UTC)


async def _conversations(client: httpx.AsyncClient, caller: Caller, **body: Any) -> list[str]:
    response = await client.post("/v1/conversations/search", json=body, headers=caller.headers)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["conversations"]]


@pytest.fixture
async def pipeline(world: World) -> tuple[Caller, dict[str, str]]:
    caller = await world.caller([(1, None)])
    hot = await world.contact(
        1, name="Hot", labels=["hot-lead"], custom_attributes={"lead_status": "qualified"}
    )
    cold = await world.contact(1, name="Cold", labels=[], custom_attributes={"lead_status": "new"})
    c = {
        "hot_open": await world.conversation(
            1,
            inbox_id=10,
            contact=hot,
            status="open",
            labels=["refund"],
            custom_attributes={"order_value": "250"},
            assignee_id=7,
            created_at=T0,
            last_activity_at=T0 + timedelta(hours=3),
        ),
        "hot_resolved": await world.conversation(
            1,
            inbox_id=11,
            contact=hot,
            status="resolved",
            labels=["refund", "shipping"],
            custom_attributes={"order_value": 40},
            created_at=T0 - timedelta(days=2),
            last_activity_at=T0 + timedelta(hours=1),
        ),
        "cold_open": await world.conversation(
            1,
            inbox_id=10,
            contact=cold,
            status="open",
            labels=["shipping"],
            created_at=T0 - timedelta(days=1),
            last_activity_at=T0 + timedelta(hours=2),
        ),
    }
    await world.conversation(2, contact=None, status="open")  # another account
    return caller, c


async def test_every_open_conversation_of_a_hot_lead(
    client: httpx.AsyncClient, pipeline: tuple[Caller, dict[str, str]]
) -> None:
    caller, c = pipeline
    found = await _conversations(
        client, caller, filters={"statuses": ["open"], "contact_labels": ["hot-lead"]}
    )
    assert found == [c["hot_open"]]


async def test_conversation_filters(
    client: httpx.AsyncClient, pipeline: tuple[Caller, dict[str, str]]
) -> None:
    caller, c = pipeline

    async def ids(**filters: Any) -> set[str]:
        return set(await _conversations(client, caller, filters=filters))

    assert await ids() == set(c.values())
    assert await ids(labels=["shipping"]) == {c["hot_resolved"], c["cold_open"]}
    assert await ids(labels_all=["refund", "shipping"]) == {c["hot_resolved"]}
    assert await ids(inbox_ids=[11]) == {c["hot_resolved"]}
    assert await ids(assignee_ids=[7]) == {c["hot_open"]}
    assert await ids(unassigned=True) == {c["hot_resolved"], c["cold_open"]}
    assert await ids(
        conversation_attributes=[{"key": "order_value", "op": "gte", "value": 100}]
    ) == {c["hot_open"]}
    assert await ids(contact_attributes=[{"key": "lead_status", "op": "eq", "value": "new"}]) == {
        c["cold_open"]
    }
    assert await ids(created_after="2026-02-28T00:00:00Z") == {c["hot_open"], c["cold_open"]}
    assert await ids(
        last_activity_after="2026-03-01T01:30:00Z", last_activity_before="2026-03-01T02:30:00Z"
    ) == {c["cold_open"]}


async def test_ordered_and_paged(
    client: httpx.AsyncClient, pipeline: tuple[Caller, dict[str, str]]
) -> None:
    caller, c = pipeline
    assert await _conversations(client, caller) == [
        c["hot_open"],
        c["cold_open"],
        c["hot_resolved"],
    ]
    assert await _conversations(
        client, caller, order_by={"field": "created_at", "direction": "asc"}
    ) == [c["hot_resolved"], c["cold_open"], c["hot_open"]]
    first = await client.post("/v1/conversations/search", json={"limit": 2}, headers=caller.headers)
    body = first.json()
    assert len(body["conversations"]) == 2
    rest = await client.post(
        "/v1/conversations/search",
        json={"limit": 2, "cursor": body["next_cursor"]},
        headers=caller.headers,
    )
    assert [x["id"] for x in rest.json()["conversations"]] == [c["hot_resolved"]]
    assert rest.json()["next_cursor"] is None
    item = body["conversations"][0]
    assert item["labels"] == ["refund"]
    assert item["custom_attributes"] == {"order_value": "250"}
    assert item["contact"]["name"] == "Hot"
    assert item["last_activity_at"] == "2026-03-01T03:00:00Z"
    assert item["assignee_id"] == 7


async def test_conversations_stay_inside_the_project(
    client: httpx.AsyncClient, world: World
) -> None:
    inbox_only = await world.caller([(1, 10)])
    mine = await world.conversation(1, inbox_id=10)
    await world.conversation(1, inbox_id=11)
    await world.conversation(3, inbox_id=10)
    assert await _conversations(client, inbox_only) == [mine]
    assert await _conversations(client, inbox_only, filters={"inbox_ids": [11]}) == []


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (
            {"conversation_attributes": [{"key": "a", "op": "nope", "value": 1}]},
            "filters.conversation_attributes.0.op",
        ),
        ({"statuses": ["closed"]}, "filters.statuses.0"),
        ({"created_after": "2026-01-01T00:00:00"}, "filters"),
        (
            {
                "last_activity_after": "2026-02-01T00:00:00Z",
                "last_activity_before": "2026-01-01T00:00:00Z",
            },
            "filters",
        ),
        ({"contact_ids": ["cw:1:2"]}, "filters.contact_ids.0"),
    ],
)
async def test_bad_filters_are_refused(
    client: httpx.AsyncClient, world: World, filters: dict[str, Any], field: str
) -> None:
    caller = await world.caller([(1, None)])
    response = await client.post(
        "/v1/conversations/search", json={"filters": filters}, headers=caller.headers
    )
    assert response.status_code == 422, response.text
    assert (response.json()["error"]["field"] or "").startswith(field), response.json()


async def test_search_filters_by_the_contacts_attributes_and_labels(
    client: httpx.AsyncClient, world: World
) -> None:
    """ "Qualified leads who asked about refunds" is one request, in every mode."""
    caller = await world.caller([(1, None)])
    qualified = await world.contact(
        1, labels=["vip-customer"], custom_attributes={"lead_status": "qualified", "budget": "900"}
    )
    other = await world.contact(1, labels=["hot-lead"], custom_attributes={"lead_status": "new"})
    theirs = await world.conversation(1, contact=qualified, custom_attributes={"channel": "ig"})
    others = await world.conversation(1, contact=other)
    wanted = await world.message(theirs, "I want a refund for my order")
    await world.message(others, "I want a refund for my order please")
    for mode in ("hybrid", "semantic", "keyword"):
        for filters in (
            {"contact_attributes": [{"key": "lead_status", "op": "eq", "value": "qualified"}]},
            {"contact_attributes": [{"key": "budget", "op": "gt", "value": 500}]},
            {"contact_labels": ["vip-customer", "x"]},
            {"contact_labels_all": ["vip-customer"]},
            {"conversation_attributes": [{"key": "channel", "op": "in", "value": ["ig"]}]},
        ):
            response = await client.post(
                "/v1/search",
                json={"q": "refund", "mode": mode, "filters": filters},
                headers=caller.headers,
            )
            assert response.status_code == 200, response.text
            assert [h["message"]["id"] for h in response.json()["hits"]] == [wanted], filters


async def test_search_by_query_takes_contact_labels(
    client: httpx.AsyncClient, world: World
) -> None:
    caller = await world.caller([(1, None)])
    vip = await world.contact(1, labels=["vip-customer"])
    wanted = await world.message(await world.conversation(1, contact=vip), "refund please")
    await world.message(await world.conversation(1), "refund please now")
    response = await client.get(
        "/v1/search",
        params={"q": "refund", "mode": "keyword", "contact_label": "vip-customer"},
        headers=caller.headers,
    )
    assert response.status_code == 200, response.text
    assert [h["message"]["id"] for h in response.json()["hits"]] == [wanted]
