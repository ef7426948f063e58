"""``/v1/segments``: a project's saved filters, against real Postgres."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from parley_authn import CSRF_HEADER, csrf_token_for
from parley_search_api_testkit import World

HOT = {
    "name": "Hot leads",
    "target": "contacts",
    "filters": {
        "contact_attributes": [{"key": "lead_status", "op": "eq", "value": "qualified"}],
        "contact_labels": ["hot-lead"],
    },
}


async def test_a_saved_segment_round_trips_and_runs(
    client: httpx.AsyncClient, world: World
) -> None:
    caller = await world.caller([(1, None)])
    lead = await world.contact(
        1, labels=["hot-lead"], custom_attributes={"lead_status": "qualified"}
    )
    await world.contact(1, labels=["hot-lead"], custom_attributes={"lead_status": "new"})
    created = await client.post("/v1/segments", json=HOT, headers=caller.headers)
    assert created.status_code == 201, created.text
    segment = created.json()
    assert segment["filters"] == {
        "contact_attributes": [{"key": "lead_status", "op": "eq", "value": "qualified"}],
        "contact_labels": ["hot-lead"],
    }
    listed = await client.get("/v1/segments", headers=caller.headers)
    assert [s["id"] for s in listed.json()["segments"]] == [segment["id"]]
    fetched = await client.get(f"/v1/segments/{segment['id']}", headers=caller.headers)
    run = await client.post(
        "/v1/contacts/search", json={"filters": fetched.json()["filters"]}, headers=caller.headers
    )
    assert [c["id"] for c in run.json()["contacts"]] == [lead]


async def test_replace_and_delete(client: httpx.AsyncClient, world: World) -> None:
    caller = await world.caller([(1, None)])
    segment = (await client.post("/v1/segments", json=HOT, headers=caller.headers)).json()
    open_ones = {"name": "Open", "target": "conversations", "filters": {"statuses": ["open"]}}
    replaced = await client.put(
        f"/v1/segments/{segment['id']}", json=open_ones, headers=caller.headers
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["target"] == "conversations"
    assert replaced.json()["filters"] == {"statuses": ["open"]}
    deleted = await client.delete(f"/v1/segments/{segment['id']}", headers=caller.headers)
    assert deleted.status_code == 204
    again = await client.delete(f"/v1/segments/{segment['id']}", headers=caller.headers)
    assert again.status_code == 404


async def test_names_are_unique_per_project(client: httpx.AsyncClient, world: World) -> None:
    first, second = await world.caller([(1, None)]), await world.caller([(1, None)])
    assert (await client.post("/v1/segments", json=HOT, headers=first.headers)).status_code == 201
    taken = await client.post("/v1/segments", json=HOT, headers=first.headers)
    assert taken.status_code == 409
    assert taken.json()["error"] == {
        "code": "segment_name_taken",
        "message": "this project has a segment named 'Hot leads'",
        "field": "name",
    }
    assert (await client.post("/v1/segments", json=HOT, headers=second.headers)).status_code == 201
    other = (
        await client.post("/v1/segments", json=HOT | {"name": "Other"}, headers=first.headers)
    ).json()
    renamed = await client.put(f"/v1/segments/{other['id']}", json=HOT, headers=first.headers)
    assert renamed.status_code == 409


async def test_segments_stay_inside_the_project(client: httpx.AsyncClient, world: World) -> None:
    owner, stranger = await world.caller([(1, None)]), await world.caller([(1, None)])
    segment = (await client.post("/v1/segments", json=HOT, headers=owner.headers)).json()
    path = f"/v1/segments/{segment['id']}"
    assert (await client.get("/v1/segments", headers=stranger.headers)).json()["segments"] == []
    assert (await client.get(path, headers=stranger.headers)).status_code == 404
    assert (await client.put(path, json=HOT, headers=stranger.headers)).status_code == 404
    assert (await client.delete(path, headers=stranger.headers)).status_code == 404
    assert (await client.get(path, headers=owner.headers)).status_code == 200
    unknown = await client.get(f"/v1/segments/{uuid.uuid4()}", headers=owner.headers)
    assert unknown.json()["error"]["code"] == "segment_not_found"


async def test_bad_segments_are_refused(client: httpx.AsyncClient, world: World) -> None:
    caller = await world.caller([(1, None)])
    bad: list[tuple[dict[str, Any], str]] = [
        (HOT | {"name": "  "}, "name"),
        (
            {"name": "x", "target": "contacts", "filters": {"statuses": ["open"]}},
            "contacts.filters",
        ),
        (
            {
                "name": "x",
                "target": "conversations",
                "filters": {"conversation_attributes": [{"key": "a", "op": "gt", "value": False}]},
            },
            "conversations.filters.conversation_attributes.0",
        ),
    ]
    for body, field in bad:
        response = await client.post("/v1/segments", json=body, headers=caller.headers)
        assert response.status_code == 422, (body, response.text)
        assert field in (response.json()["error"]["field"] or ""), response.json()
    unknown_target = await client.post(
        "/v1/segments", json=HOT | {"target": "messages"}, headers=caller.headers
    )
    assert unknown_target.status_code == 422
    assert "'target'" in unknown_target.json()["error"]["message"]
    assert (await client.get("/v1/segments/not-a-uuid", headers=caller.headers)).status_code == 422
    assert (await client.get("/v1/segments", headers=caller.headers)).json()["segments"] == []


async def test_a_session_cookie_writes_only_with_its_csrf_token(
    client: httpx.AsyncClient, world: World
) -> None:
    caller = await world.caller([(1, None)])
    client.cookies.update(caller.cookies)
    try:
        refused = await client.post("/v1/segments", json=HOT)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "csrf_rejected"
        assert (await client.get("/v1/segments")).json()["segments"] == []  # reads need none
        csrf = {CSRF_HEADER: csrf_token_for(caller.cookie)}
        created = await client.post("/v1/segments", json=HOT, headers=csrf)
        assert created.status_code == 201, created.text
        segment = created.json()["id"]
        assert (await client.delete(f"/v1/segments/{segment}")).status_code == 403
        assert (await client.delete(f"/v1/segments/{segment}", headers=csrf)).status_code == 204
    finally:
        client.cookies.clear()
