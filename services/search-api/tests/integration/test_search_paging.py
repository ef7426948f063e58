"""Grouping by conversation, context around hits, and cursor pagination."""

from __future__ import annotations

import httpx
from parley_search_api_testkit import Caller, World

TOPIC = "the mobile app crashes when I open the camera"


async def _conversations(world: World, count: int) -> tuple[Caller, list[str]]:
    caller = await world.caller([(1, None)])
    ids = []
    for n in range(count):
        gid = await world.conversation(1)
        await world.message(gid, f"{TOPIC} on phone model {n}")
        await world.message(gid, f"Still: {TOPIC}, version {n}")
        ids.append(gid)
    return caller, ids


async def test_grouping_returns_one_hit_per_conversation(
    world: World, client: httpx.AsyncClient
) -> None:
    caller, conversations = await _conversations(world, 4)

    ungrouped = (
        await client.post("/v1/search", json={"q": TOPIC, "limit": 50}, headers=caller.headers)
    ).json()["hits"]
    grouped = (
        await client.post(
            "/v1/search",
            json={"q": TOPIC, "limit": 50, "group_by": "conversation"},
            headers=caller.headers,
        )
    ).json()["hits"]

    assert len(ungrouped) == 8
    assert sorted(hit["conversation"]["id"] for hit in grouped) == sorted(conversations)


async def test_context_returns_neighbours_in_order(world: World, client: httpx.AsyncClient) -> None:
    caller = await world.caller([(1, None)])
    gid = await world.conversation(1)
    texts = [
        "hello there",
        "my order never arrived",
        "internal: check the courier",
        "the tracking number says delivered but nothing came",
        "sorry, we will resend it",
        "thanks",
        "bye",
    ]
    ids = []
    for n, text in enumerate(texts):
        ids.append(
            await world.message(
                gid, text, private=n == 2, sender_type="User" if n % 2 else "Contact"
            )
        )

    body = (
        await client.post(
            "/v1/search",
            json={"q": "tracking number delivered but nothing came", "context": 2, "limit": 1},
            headers=caller.headers,
        )
    ).json()

    hit = body["hits"][0]
    assert hit["message"]["id"] == ids[3]
    assert [m["id"] for m in hit["context"]["before"]] == [ids[0], ids[1]]
    assert [m["id"] for m in hit["context"]["after"]] == [ids[4], ids[5]]
    assert hit["context"]["after"][0]["content"] == "sorry, we will resend it"


async def test_pages_cover_every_result_once(world: World, client: httpx.AsyncClient) -> None:
    caller, _ = await _conversations(world, 6)
    everything = (
        await client.post("/v1/search", json={"q": TOPIC, "limit": 100}, headers=caller.headers)
    ).json()["hits"]

    seen: list[str] = []
    cursor = None
    for _ in range(10):
        body = (
            await client.get(
                "/v1/search",
                params={"q": TOPIC, "limit": 5, **({"cursor": cursor} if cursor else {})},
                headers=caller.headers,
            )
        ).json()
        seen.extend(hit["chunk_id"] for hit in body["hits"])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == [hit["chunk_id"] for hit in everything]
    assert len(seen) == 12


async def test_a_cursor_from_another_query_is_refused(
    world: World, client: httpx.AsyncClient
) -> None:
    caller, _ = await _conversations(world, 3)
    first = (
        await client.post("/v1/search", json={"q": TOPIC, "limit": 2}, headers=caller.headers)
    ).json()

    response = await client.post(
        "/v1/search",
        json={"q": "something else", "limit": 2, "cursor": first["next_cursor"]},
        headers=caller.headers,
    )

    assert response.status_code == 422
    assert response.json()["error"]["field"] == "cursor"
