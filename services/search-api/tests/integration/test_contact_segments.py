"""``POST /v1/contacts/search`` against real Postgres: every attribute operator, the type
coercion of numbers stored as strings, labels, text, ordering, paging and project scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from parley_search_api_testkit import Caller, World

T0 = datetime(2026, 3, 1, tzinfo=UTC)


async def _contacts(client: httpx.AsyncClient, caller: Caller, **body: Any) -> list[str]:
    response = await client.post("/v1/contacts/search", json=body, headers=caller.headers)
    assert response.status_code == 200, response.text
    return [contact["id"] for contact in response.json()["contacts"]]


async def _names(
    client: httpx.AsyncClient, caller: Caller, *conditions: dict[str, Any], **filters: Any
) -> set[str]:
    body = {"filters": {"contact_attributes": list(conditions), **filters}, "limit": 100}
    response = await client.post("/v1/contacts/search", json=body, headers=caller.headers)
    assert response.status_code == 200, response.text
    return {contact["name"] for contact in response.json()["contacts"]}


@pytest.fixture
async def leads(world: World) -> Caller:
    caller = await world.caller([(1, None)])
    people: dict[str, dict[str, Any]] = {
        "ann": {
            "lead_status": "qualified",
            "budget_min": 5000,
            "follower_count": "12000",
            "since": "2025-11-02",
            "ai_summary": "Wants a Refund for order 17",
            "vip": True,
        },
        "bob": {
            "lead_status": "new",
            "budget_min": "2500.50",
            "follower_count": 800,
            "since": "2026-01-15",
            "ai_summary": None,
            "vip": False,
        },
        "cem": {
            "lead_status": "qualified",
            "budget_min": " 7500 ",
            "follower_count": "lots",
            "since": "2026-02-01",
        },
        "dee": {"lead_status": "lost", "follower_count": 1e5},
        "eve": {},
    }
    labels = {"ann": ["hot-lead", "vip-customer"], "bob": ["hot-lead"], "cem": ["needs-human"]}
    for name, attributes in people.items():
        await world.contact(1, name=name, custom_attributes=attributes, labels=labels.get(name))
    await world.contact(2, name="outsider", custom_attributes={"lead_status": "qualified"})
    return caller


async def test_every_operator(client: httpx.AsyncClient, leads: Caller) -> None:
    def c(key: str, op: str, value: Any = None) -> dict[str, Any]:
        return {"key": key, "op": op} | ({} if value is None else {"value": value})

    assert await _names(client, leads, c("lead_status", "eq", "qualified")) == {"ann", "cem"}
    assert await _names(client, leads, c("lead_status", "ne", "qualified")) == {"bob", "dee", "eve"}
    assert await _names(client, leads, c("lead_status", "in", ["new", "lost"])) == {"bob", "dee"}
    assert await _names(client, leads, c("budget_min", "gt", 5000)) == {"cem"}
    assert await _names(client, leads, c("budget_min", "gte", 5000)) == {"ann", "cem"}
    assert await _names(client, leads, c("budget_min", "lt", 5000)) == {"bob"}
    assert await _names(client, leads, c("budget_min", "lte", 2500.5)) == {"bob"}
    assert await _names(client, leads, c("ai_summary", "exists")) == {"ann"}  # null is absent
    assert await _names(client, leads, c("ai_summary", "exists", False)) == {
        "bob",
        "cem",
        "dee",
        "eve",
    }
    assert await _names(client, leads, c("ai_summary", "contains", "refund")) == {"ann"}
    assert await _names(client, leads, c("ai_summary", "contains", "%")) == set()
    assert await _names(client, leads, c("vip", "eq", True)) == {"ann"}
    assert await _names(client, leads, c("since", "gte", "2026-01-01")) == {"bob", "cem"}


async def test_numbers_stored_as_strings_compare_as_numbers(
    client: httpx.AsyncClient, leads: Caller
) -> None:
    # "12000" > 10000 numerically (as text "12000" < "800" would say otherwise); "lots" is
    # not a number and never matches a numeric comparison; 1e5 is a JSON number.
    assert await _names(client, leads, {"key": "follower_count", "op": "gt", "value": 10000}) == {
        "ann",
        "dee",
    }
    assert await _names(client, leads, {"key": "follower_count", "op": "eq", "value": 12000}) == {
        "ann"
    }
    assert await _names(
        client, leads, {"key": "follower_count", "op": "in", "value": [800, 100000]}
    ) == {"bob", "dee"}
    # a string value compares with stored strings only
    assert await _names(client, leads, {"key": "budget_min", "op": "eq", "value": "5000"}) == set()
    # ne is the negation of eq: the non-numeric and the missing are "not equal"
    assert await _names(client, leads, {"key": "follower_count", "op": "ne", "value": 800}) == {
        "ann",
        "cem",
        "dee",
        "eve",
    }


async def test_conditions_combine_with_and(client: httpx.AsyncClient, leads: Caller) -> None:
    assert await _names(
        client,
        leads,
        {"key": "lead_status", "op": "eq", "value": "qualified"},
        {"key": "budget_min", "op": "gt", "value": 6000},
    ) == {"cem"}


async def test_contact_labels_any_and_all(client: httpx.AsyncClient, leads: Caller) -> None:
    assert await _names(client, leads, contact_labels=["vip-customer", "needs-human"]) == {
        "ann",
        "cem",
    }
    assert await _names(client, leads, contact_labels_all=["hot-lead", "vip-customer"]) == {"ann"}
    assert await _names(
        client, leads, contact_labels=["hot-lead"], contact_labels_all=["vip-customer"]
    ) == {"ann"}


async def test_contacts_answer_their_facts(client: httpx.AsyncClient, world: World) -> None:
    caller = await world.caller([(1, None)])
    ann = await world.contact(
        1,
        name="Ann",
        email="ann@example.test",
        custom_attributes={"plan": "pro"},
        labels=["vip-customer"],
        last_activity_at=T0,
    )
    await world.conversation(1, contact=ann)
    await world.conversation(1, contact=ann)
    response = await client.post("/v1/contacts/search", json={}, headers=caller.headers)
    assert response.status_code == 200, response.text
    [contact] = response.json()["contacts"]
    number = ann.rsplit(":", 1)[1]
    assert contact == {
        "id": ann,
        "account_id": 1,
        "contact_id": int(number),
        "name": "Ann",
        "email": "ann@example.test",
        "phone_number": None,
        "identifier": None,
        "custom_attributes": {"plan": "pro"},
        "labels": ["vip-customer"],
        "conversation_count": 2,
        "last_activity_at": "2026-03-01T00:00:00Z",
        "url": f"https://chat.example.com/app/accounts/1/contacts/{number}",
    }
    assert response.json()["next_cursor"] is None


async def test_text_matches_name_email_and_phone(client: httpx.AsyncClient, world: World) -> None:
    caller = await world.caller([(1, None)])
    ann = await world.contact(1, name="Ann Lee", email="ann@shop.test", phone_number="+49 151 222")
    await world.contact(1, name="Bob", email="bob@other.test")
    for q in ("ann", "SHOP.test", "151222", "49 151"):
        assert await _contacts(client, caller, q=q) == [ann], q


async def test_ordered_by_attribute_then_paged(client: httpx.AsyncClient, world: World) -> None:
    caller = await world.caller([(1, None)])
    scores = {"a": 90, "b": "75", "c": 100, "d": "n/a", "e": None}
    ids = {}
    for name, score in scores.items():
        attributes = {} if score is None else {"qualification_score": score}
        ids[name] = await world.contact(1, name=name, custom_attributes=attributes)
    order = {"attribute": "qualification_score", "direction": "desc"}
    first = await client.post(
        "/v1/contacts/search", json={"order_by": order, "limit": 2}, headers=caller.headers
    )
    assert first.status_code == 200
    body = first.json()
    assert [c["name"] for c in body["contacts"]] == ["c", "a"]
    seen = [c["name"] for c in body["contacts"]]
    while body["next_cursor"]:
        page = await client.post(
            "/v1/contacts/search",
            json={"order_by": order, "limit": 2, "cursor": body["next_cursor"]},
            headers=caller.headers,
        )
        assert page.status_code == 200
        body = page.json()
        seen += [c["name"] for c in body["contacts"]]
    # numbers (numeric strings too) first, then other text, then contacts without the key
    assert seen == ["c", "a", "b", "d", "e"]
    ascending = await _contacts(
        client, caller, order_by={"attribute": "qualification_score", "direction": "asc"}
    )
    assert ascending == [ids["b"], ids["a"], ids["c"], ids["d"], ids["e"]]


async def test_a_cursor_of_another_request_is_refused(
    client: httpx.AsyncClient, world: World
) -> None:
    caller = await world.caller([(1, None)])
    for _ in range(3):
        await world.contact(1, name="x")
    first = await client.post("/v1/contacts/search", json={"limit": 1}, headers=caller.headers)
    cursor = first.json()["next_cursor"]
    other = await client.post(
        "/v1/contacts/search", json={"limit": 1, "q": "x", "cursor": cursor}, headers=caller.headers
    )
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "cursor_mismatch"


async def test_ordered_by_last_activity(client: httpx.AsyncClient, world: World) -> None:
    caller = await world.caller([(1, None)])
    old = await world.contact(1, last_activity_at=T0)
    new = await world.contact(1, last_activity_at=T0 + timedelta(days=1))
    never = await world.contact(1)
    assert await _contacts(client, caller) == [new, old, never]
    assert await _contacts(
        client, caller, order_by={"field": "last_activity_at", "direction": "asc"}
    ) == [old, new, never]


async def test_contacts_stay_inside_the_project(client: httpx.AsyncClient, world: World) -> None:
    whole = await world.caller([(1, None)])
    inbox_only = await world.caller([(2, 20)])
    ann = await world.contact(1, name="ann")
    wrote_to_20 = await world.contact(2, name="writer")
    wrote_to_21 = await world.contact(2, name="elsewhere")
    await world.conversation(2, inbox_id=20, contact=wrote_to_20)
    await world.conversation(2, inbox_id=21, contact=wrote_to_21)
    await world.conversation(2, inbox_id=21, contact=wrote_to_20)
    assert await _contacts(client, whole) == [ann]
    response = await client.post("/v1/contacts/search", json={}, headers=inbox_only.headers)
    [contact] = response.json()["contacts"]
    assert contact["id"] == wrote_to_20
    assert contact["conversation_count"] == 1  # the conversation in inbox 21 is not the project's
    assert await _contacts(client, whole, filters={"account_ids": [2]}) == []
    empty = await world.caller([])
    assert await _contacts(client, empty) == []


async def test_contact_ids_name_contacts_inside_the_project(
    client: httpx.AsyncClient, world: World
) -> None:
    caller = await world.caller([(1, None)])
    ann = await world.contact(1, name="ann")
    await world.contact(1, name="bob")
    cem = await world.contact(1, name="cem")
    outsider = await world.contact(2, name="outsider")
    named = await _contacts(client, caller, filters={"contact_ids": [ann, cem, outsider]})
    assert sorted(named) == sorted([ann, cem])  # the other account's contact stays out
    assert await _contacts(client, caller, filters={"contact_ids": [outsider]}) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"filters": {"contact_attributes": [{"key": "", "op": "eq", "value": 1}]}},
            "filters.contact_attributes.0.key",
        ),
        (
            {"filters": {"contact_attributes": [{"key": "a\x01", "op": "eq", "value": 1}]}},
            "filters.contact_attributes.0.key",
        ),
        (
            {"filters": {"contact_attributes": [{"key": "a", "op": "like", "value": 1}]}},
            "filters.contact_attributes.0.op",
        ),
        (
            {"filters": {"contact_attributes": [{"key": "a", "op": "eq"}]}},
            "filters.contact_attributes.0",
        ),
        (
            {"filters": {"contact_attributes": [{"key": "a", "op": "gt", "value": True}]}},
            "filters.contact_attributes.0",
        ),
        (
            {"filters": {"contact_attributes": [{"key": "a", "op": "in", "value": 3}]}},
            "filters.contact_attributes.0",
        ),
        (
            {"filters": {"contact_attributes": [{"key": "a", "op": "in", "value": []}]}},
            "filters.contact_attributes.0",
        ),
        (
            {"filters": {"contact_attributes": [{"key": "a", "op": "contains", "value": 3}]}},
            "filters.contact_attributes.0",
        ),
        (
            {"filters": {"contact_attributes": [{"key": "a", "op": "exists", "value": "yes"}]}},
            "filters.contact_attributes.0",
        ),
        (
            {"filters": {"contact_attributes": [{"key": "a", "op": "eq", "value": {"x": 1}}]}},
            "filters.contact_attributes.0.value",
        ),
        (
            {"filters": {"contact_attributes": [{"key": "a", "op": "eq", "value": 1, "x": 1}]}},
            "filters.contact_attributes.0.x",
        ),
        ({"filters": {"contact_labels": [""]}}, "filters.contact_labels.0"),
        ({"filters": {"contact_ids": ["cw:1:2"]}}, "filters.contact_ids.0"),
        ({"filters": {"unknown": 1}}, "filters.unknown"),
        ({"order_by": {"attribute": "a", "field": "name"}}, "order_by"),
        ({"order_by": {}}, "order_by"),
        ({"order_by": {"field": "email"}}, "order_by.field"),
        ({"order_by": {"attribute": "a", "direction": "up"}}, "order_by.direction"),
        ({"limit": 0}, "limit"),
        ({"cursor": "garbage"}, "cursor"),
    ],
)
async def test_bad_input_is_refused_with_its_field(
    client: httpx.AsyncClient, world: World, body: dict[str, Any], field: str
) -> None:
    caller = await world.caller([(1, None)])
    response = await client.post("/v1/contacts/search", json=body, headers=caller.headers)
    assert response.status_code == 422, response.text
    assert (response.json()["error"]["field"] or "").startswith(field), response.json()


async def test_a_caller_without_credentials_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/contacts/search", json={})
    assert response.status_code == 401


async def test_only_numeric_strings_take_part_in_numeric_comparisons(
    client: httpx.AsyncClient, world: World
) -> None:
    caller = await world.caller([(1, None)])
    values = {
        "plain": "42",
        "blanks": " 42 ",
        "exponent": "4.2e1",
        "underscore": "4_2",
        "unit": "42 EUR",
        "nan": "NaN",
        "infinity": "Infinity",
        "overflow": "1e999999",
        "empty": "",
        "boolean": True,
        "list": [42],
        "long": "0" * 99 + "42",
    }
    for name, value in values.items():
        await world.contact(1, name=name, custom_attributes={"amount": value})
    found = await _names(client, caller, {"key": "amount", "op": "eq", "value": 42})
    assert found == {"plain", "blanks", "exponent", "underscore"}
    anything = await _names(client, caller, {"key": "amount", "op": "gte", "value": -1e300})
    assert anything == {"plain", "blanks", "exponent", "underscore"}
