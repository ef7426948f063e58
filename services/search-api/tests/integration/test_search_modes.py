"""Search modes, fusion, highlights and deep links against real Postgres and the real model."""

from __future__ import annotations

import httpx
from parley_search_api_testkit import CHATWOOT_URL, World

SUPPORT_TEXTS = {
    "password": "I can't log in, the password reset email never arrives in my inbox",
    "refund": "I was charged twice for my subscription and want my money back",
    "shipping": "My parcel has been stuck at the warehouse for two weeks",
    "error": "Windows update fails with error 0x80070005 every time",
}


async def _corpus(world: World) -> dict[str, str]:
    conversations = {}
    for key, text in SUPPORT_TEXTS.items():
        gid = await world.conversation(1)
        await world.message(gid, text)
        await world.message(
            gid,
            "Thanks for reaching out, let me check that for you.",
            sender_type="User",
            message_type="outgoing",
        )
        conversations[key] = gid
    return conversations


async def test_semantic_mode_finds_a_paraphrase(world: World, client: httpx.AsyncClient) -> None:
    caller = await world.caller([(1, None)])
    conversations = await _corpus(world)

    response = await client.post(
        "/v1/search",
        json={"q": "reimbursement for a double payment", "mode": "semantic"},
        headers=caller.headers,
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mode"] == "semantic"
    assert body["fusion"] is None
    top = body["hits"][0]
    assert top["conversation"]["id"] == conversations["refund"]
    assert top["scores"]["semantic"] > 0.3
    assert top["scores"]["keyword"] is None


async def test_keyword_mode_matches_an_identifier_and_highlights_it(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    conversations = await _corpus(world)

    response = await client.get(
        "/v1/search", params={"q": "0x80070005", "mode": "keyword"}, headers=caller.headers
    )

    body = response.json()
    assert [hit["conversation"]["id"] for hit in body["hits"]] == [conversations["error"]]
    assert "<mark>0x80070005</mark>" in body["hits"][0]["highlight"]


async def test_hybrid_reports_each_component_and_the_default_convex_fusion(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    conversations = await _corpus(world)

    body = (
        await client.post("/v1/search", json={"q": "password reset email"}, headers=caller.headers)
    ).json()

    assert body["mode"] == "hybrid"
    assert body["fusion"] == "convex"
    top = body["hits"][0]
    assert top["conversation"]["id"] == conversations["password"]
    assert top["scores"]["semantic"] is not None
    assert top["scores"]["keyword"] is not None
    assert top["scores"]["fused"] == max(hit["scores"]["fused"] for hit in body["hits"])


async def test_rrf_fusion_is_selectable_per_request(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    conversations = await _corpus(world)

    body = (
        await client.post(
            "/v1/search",
            json={"q": "password reset email", "fusion": "rrf"},
            headers=caller.headers,
        )
    ).json()

    assert body["fusion"] == "rrf"
    assert body["hits"][0]["conversation"]["id"] == conversations["password"]
    assert body["hits"][0]["scores"]["fused"] <= 3 / 61


async def test_hits_carry_message_conversation_and_a_chatwoot_link(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(7, None)])
    contact = await world.contact(7, name="Ana Souza")
    gid = await world.conversation(
        7, inbox_id=3, display_id=4242, labels=["billing"], contact=contact
    )
    message = await world.message(gid, "the invoice total is wrong")

    hit = (
        await client.post("/v1/search", json={"q": "invoice total"}, headers=caller.headers)
    ).json()["hits"][0]

    assert hit["text"] == "the invoice total is wrong"
    assert hit["message"]["id"] == message
    assert hit["message"]["message_type"] == "incoming"
    assert hit["conversation"] == {
        "id": gid,
        "display_id": 4242,
        "account_id": 7,
        "inbox_id": 3,
        "status": "open",
        "labels": ["billing"],
        "contact": {"id": contact, "name": "Ana Souza"},
        "url": f"{CHATWOOT_URL}/app/accounts/7/conversations/4242",
    }


async def test_deleted_messages_are_not_found(world: World, client: httpx.AsyncClient) -> None:
    caller = await world.caller([(1, None)])
    gid = await world.conversation(1)
    await world.message(gid, "secret launch codes for the rocket", deleted=True)

    body = (
        await client.post("/v1/search", json={"q": "rocket launch codes"}, headers=caller.headers)
    ).json()

    assert body["hits"] == []


async def test_a_session_cookie_works_like_a_token(world: World, client: httpx.AsyncClient) -> None:
    caller = await world.caller([(1, None)])
    conversations = await _corpus(world)

    client.cookies.set("parley_session", caller.cookie)
    body = (await client.get("/v1/search", params={"q": "parcel stuck"})).json()

    assert body["hits"][0]["conversation"]["id"] == conversations["shipping"]
