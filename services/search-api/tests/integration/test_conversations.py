"""``/v1/conversations/{id}`` and ``/similar``: ordering, privacy, scope."""

from __future__ import annotations

import httpx
from parley_search_api_testkit import World


async def test_a_conversation_lists_its_messages_in_order(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    gid = await world.conversation(1, display_id=77)
    first = await world.message(gid, "hi, my card was declined")
    await world.message(gid, "agent note: fraud check", private=True, sender_type="User")
    deleted = await world.message(gid, "oops wrong chat", deleted=True)
    last = await world.message(gid, "it works now", sender_type="User", message_type="outgoing")

    body = (await client.get(f"/v1/conversations/{gid}", headers=caller.headers)).json()
    with_private = (
        await client.get(
            f"/v1/conversations/{gid}", params={"include_private": True}, headers=caller.headers
        )
    ).json()

    assert body["conversation"]["display_id"] == 77
    assert [m["id"] for m in body["messages"]] == [first, last]
    assert len(with_private["messages"]) == 3
    assert deleted not in [m["id"] for m in with_private["messages"]]
    assert body["truncated"] is False


async def test_another_projects_conversation_is_not_found(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    foreign = await world.conversation(2)
    await world.message(foreign, "hidden")

    response = await client.get(f"/v1/conversations/{foreign}", headers=caller.headers)
    similar = await client.get(f"/v1/conversations/{foreign}/similar", headers=caller.headers)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "conversation_not_found"
    assert similar.status_code == 404


async def test_similar_conversations_are_nearest_first_and_in_scope(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    texts = {
        "source": ["my package never arrived", "tracking shows no movement for days"],
        "near": ["the parcel is lost in transit", "courier tracking has not updated"],
        "far": ["how do I change my password", "the login page rejects my credentials"],
    }
    ids = {}
    for key, messages in texts.items():
        ids[key] = await world.conversation(1)
        for text in messages:
            await world.message(ids[key], text)
    foreign = await world.conversation(3)
    await world.message(foreign, "my package never arrived, tracking shows no movement")

    hits = (
        await client.get(f"/v1/conversations/{ids['source']}/similar", headers=caller.headers)
    ).json()["hits"]

    assert [hit["conversation"]["id"] for hit in hits] == [ids["near"], ids["far"]]
    assert hits[0]["scores"]["semantic"] > hits[1]["scores"]["semantic"]
