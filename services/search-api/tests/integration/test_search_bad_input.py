"""Bad input is a 422 naming the field, never a 500."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from parley_search_api_testkit import World

BAD_BODIES: list[tuple[dict[str, Any], str]] = [
    ({"q": ""}, "q"),
    ({"q": "   "}, "q"),
    ({"q": "x" * 1001}, "q"),
    ({"q": "a\x00b"}, "q"),
    ({}, "q"),
    ({"q": "x", "mode": "fuzzy"}, "mode"),
    ({"q": "x", "limit": 0}, "limit"),
    ({"q": "x", "limit": 101}, "limit"),
    ({"q": "x", "context": 11}, "context"),
    ({"q": "x", "group_by": "inbox"}, "group_by"),
    ({"q": "x", "fusion": "max"}, "fusion"),
    ({"q": "x", "text_config": "klingon"}, "text_config"),
    ({"q": "x", "filters": {"account_ids": ["one"]}}, "filters.account_ids.0"),
    ({"q": "x", "filters": {"account_ids": 1}}, "filters.account_ids"),
    ({"q": "x", "filters": {"inbox_ids": [-3]}}, "filters.inbox_ids.0"),
    ({"q": "x", "filters": {"conversation_ids": ["42"]}}, "filters.conversation_ids.0"),
    ({"q": "x", "filters": {"contact_ids": ["cw:1:2"]}}, "filters.contact_ids.0"),
    ({"q": "x", "filters": {"sender_types": ["robot"]}}, "filters.sender_types.0"),
    ({"q": "x", "filters": {"statuses": ["closed"]}}, "filters.statuses.0"),
    ({"q": "x", "filters": {"created_after": "yesterday"}}, "filters.created_after"),
    ({"q": "x", "filters": {"created_after": "2026-01-01T00:00:00"}}, "filters"),
    (
        {
            "q": "x",
            "filters": {
                "created_after": "2026-02-01T00:00:00Z",
                "created_before": "2026-01-01T00:00:00Z",
            },
        },
        "filters",
    ),
    ({"q": "x", "filters": {"unknown": 1}}, "filters.unknown"),
    ({"q": "x", "cursor": "not-a-cursor"}, "cursor"),
    ({"q": "x", "cursor": "eyJ2IjoxLCJvIjotNSwiZiI6ImFiYyJ9"}, "cursor"),  # negative offset
]


@pytest.mark.parametrize(("body", "field"), BAD_BODIES)
async def test_bad_search_bodies_are_422_with_the_field(
    world: World, client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    caller = await world.caller([(1, None)])

    response = await client.post("/v1/search", json=body, headers=caller.headers)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "x", "account_id": "abc"}, "account_id.0"),
        (
            {
                "q": "x",
                "created_before": "2020-01-01T00:00:00Z",
                "created_after": "2021-01-01T00:00:00Z",
            },
            None,
        ),
        ({"q": "x", "cursor": "%%%"}, "cursor"),
    ],
)
async def test_bad_query_parameters_are_422(
    world: World, client: httpx.AsyncClient, params: dict[str, str], field: str | None
) -> None:
    caller = await world.caller([(1, None)])

    response = await client.get("/v1/search", params=params, headers=caller.headers)

    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


async def test_a_malformed_conversation_id_is_422(world: World, client: httpx.AsyncClient) -> None:
    caller = await world.caller([(1, None)])

    response = await client.get("/v1/conversations/42", headers=caller.headers)

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "global_id"
