"""Any text is a query: arbitrary Unicode in every mode and filter combination is answered
200, or 422 naming the field, never 5xx (issue 17: ``½`` unaccents to `` 1/2``, which
``to_tsquery`` refused)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parley_search_api.search.schemas import QUERY_PARAMETER_OF_FILTER
from parley_search_api_testkit import Caller, World

MODES = ("semantic", "keyword", "hybrid")
# Each unaccents to text with a slash or a fraction bar: not to_tsquery syntax.
TSQUERY_BREAKERS = ("abc½def", "x¾", "½", "a ¾ b", "Jos½é ⅞", "¼ ⅓ ⅔ ⅛", "ǅ½", "ﬁ½")

# Every code point, surrogates included (JSON can carry them escaped: "\ud800"), and words
# mixing letters with what unaccent expands or tsquery syntax means.
any_text = st.text(st.characters(codec=None, categories=None), min_size=1, max_size=40)
tricky_word = st.text(
    st.sampled_from("abcxyzéüØßǅﬁ½¾⅞①²\u2044/&|!:*'\"()<>-_#@.\\ "), min_size=1, max_size=12
)
words = st.lists(
    st.sampled_from(["refund", "order", "Müller", "#12", "a@b.example", "+49 30 1234567"])
    | tricky_word
    | any_text,
    min_size=1,
    max_size=6,
).map(" ".join)
filters = st.fixed_dictionaries(
    {},
    optional={
        "account_ids": st.lists(st.integers(1, 3), min_size=1, max_size=3),
        "inbox_ids": st.lists(st.integers(1, 3), min_size=1, max_size=3),
        "conversation_ids": st.lists(st.just("cw:1:1"), min_size=1, max_size=2),
        "contact_ids": st.lists(st.just("cwc:1:1"), min_size=1, max_size=2),
        "sender_types": st.lists(st.sampled_from(["contact", "agent", "bot"]), min_size=1),
        "message_types": st.lists(st.sampled_from(["incoming", "outgoing"]), min_size=1),
        "statuses": st.lists(st.sampled_from(["open", "resolved"]), min_size=1),
        "labels": st.lists(any_text, min_size=1, max_size=3),
        "created_after": st.just("2020-01-01T00:00:00Z"),
        "include_private": st.booleans(),
    },
)
options = st.fixed_dictionaries(
    {"mode": st.sampled_from(MODES)},
    optional={
        "group_by": st.sampled_from(["none", "conversation"]),
        "context": st.integers(0, 2),
        "text_config": st.sampled_from(["english", "simple"]),
        "fusion": st.sampled_from(["convex", "rrf"]),
    },
)


@pytest.fixture
async def caller(world: World) -> Caller:
    caller = await world.caller([(1, None)])
    contact = await world.contact(1, name="Jos½é Müller", email="jose@customer.example")
    gid = await world.conversation(1, display_id=12, labels=["billing"], contact=contact)
    await world.message(gid, "Can I get ½ of the order refunded? ¾ arrived broken")
    await world.message(gid, "Refund issued for order 0x80070005", sender_type="User")
    return caller


async def _post(client: httpx.AsyncClient, caller: Caller, body: dict[str, Any]) -> httpx.Response:
    """POST with every non-ASCII character escaped in the JSON, so that lone surrogates
    reach the server as JSON allows (``"\\ud800"``)."""
    headers = {**caller.headers, "Content-Type": "application/json"}
    return await client.post("/v1/search", content=json.dumps(body), headers=headers)


def _assert_answered(response: httpx.Response) -> None:
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["error"]["code"] == "validation_error"


async def test_queries_that_unaccent_to_tsquery_syntax_are_answered(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    for mode in MODES:
        for q in TSQUERY_BREAKERS:
            params = {"q": q, "mode": mode}
            got = await client.get("/v1/search", params=params, headers=caller.headers)
            posted = await client.post("/v1/search", json=params, headers=caller.headers)

            assert got.status_code == 200, (params, got.text)
            assert posted.status_code == 200, (params, posted.text)


async def test_a_fraction_is_found_by_keyword_and_names_by_lift(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    response = await client.post(
        "/v1/search", json={"q": "½ of the order", "mode": "keyword"}, headers=caller.headers
    )
    named = await client.post(
        "/v1/search", json={"q": "Jos½é Müller", "mode": "keyword"}, headers=caller.headers
    )

    assert response.json()["hits"], response.text
    assert named.json()["hits"][0]["scores"]["lift"] is not None, named.text


async def test_a_lone_surrogate_is_a_422_naming_the_field(
    client: httpx.AsyncClient, caller: Caller
) -> None:
    response = await _post(client, caller, {"q": "a\ud800b"})

    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "q"


@settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=words, extra=options, narrowed=filters)
async def test_any_query_in_any_mode_and_filter_is_answered(
    client: httpx.AsyncClient,
    caller: Caller,
    q: str,
    extra: dict[str, Any],
    narrowed: dict[str, Any],
) -> None:
    body = {"q": q, **extra, "filters": narrowed, "limit": 5}
    _assert_answered(await _post(client, caller, body))

    params: list[tuple[str, Any]] = [("q", q), *extra.items()]
    for name, value in narrowed.items():
        values = value if isinstance(value, list) else [value]
        params += [(QUERY_PARAMETER_OF_FILTER.get(name, name), v) for v in values]
    query = urlencode([(name, _query_value(value)) for name, value in params])
    _assert_answered(await client.get(f"/v1/search?{query}", headers=caller.headers))


def _query_value(value: object) -> bytes:
    """As a browser would send it, lone surrogates as their (invalid) UTF-8 bytes."""
    if isinstance(value, bool):
        return str(value).lower().encode()
    return str(value).encode("utf-8", "surrogatepass")
