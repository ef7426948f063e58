"""Properties over generated requests, against a live server on a committed database:

- no query, filter, source, mode, grouping or pagination cursor returns another project's
  chunk: a message outside its sources, an article of an account it does not search, a
  document uploaded to another project;
- schemathesis finds no server error anywhere in the OpenAPI schema.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parley_embeddings.local import LocalProvider
from parley_search_api.main import create_app
from parley_search_api.settings import SearchSettings
from parley_search_api_testkit import Caller, World
from parley_testing.postgres import free_port
from schemathesis.checks import not_a_server_error
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

WORDS = ["refund", "invoice", "password", "login", "parcel", "toner", "crash", "0x80070005"]
TEXTS = [
    "I want a refund for my invoice",
    "password reset email never arrives, cannot login",
    "the parcel is stuck, tracking shows nothing",
    "printer out of toner again",
    "app crash with error 0x80070005",
]
# (account, inbox) of the conversations: the same texts everywhere, so any leak would match.
PLACES = [(1, 5), (1, 6), (2, 5), (3, 7)]
SOURCES: dict[str, list[tuple[int, int | None]]] = {
    "a": [(1, None)],
    "b": [(2, None), (3, 7)],
    "c": [(1, 6)],
}


@dataclass(frozen=True)
class LiveData:
    callers: dict[str, Caller]
    conversations: list[str]
    place_of_conversation: dict[str, tuple[int, int]]
    # a knowledge document → its owner: ("account", id) or ("project", uuid)
    owner_of_document: dict[str, tuple[str, Any]]


@pytest.fixture(scope="module")
async def live_data(database_url: str, provider: LocalProvider) -> LiveData:
    engine = create_async_engine(database_url)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        world = World(session, provider)
        callers = {name: await world.caller(sources) for name, sources in SOURCES.items()}
        conversations = []
        for account_id, inbox_id in PLACES:
            for n, text in enumerate(TEXTS):
                gid = await world.conversation(account_id, inbox_id=inbox_id)
                await world.message(gid, text, private=n == 0)
                await world.message(gid, f"follow-up: {text}", sender_type="User")
                conversations.append(gid)
        owners: dict[str, tuple[str, Any]] = {}
        article = "\n\n".join(f"# Topic {n}\n\n{text}" for n, text in enumerate(TEXTS))
        for account_id in sorted({a for a, _ in PLACES}):
            gid = await world.document(article, title="Help", account_id=account_id, category="faq")
            owners[gid] = ("account", account_id)
        for caller in callers.values():
            gid = await world.document(article, title="Upload", project_id=caller.project_id)
            owners[gid] = ("project", caller.project_id)
        await session.commit()
    await engine.dispose()
    return LiveData(callers, conversations, dict(world.conversations), owners)


@pytest.fixture(scope="module")
def live_url(database_url: str, provider: LocalProvider, live_data: LiveData) -> Iterator[str]:
    port = free_port()
    app = create_app(SearchSettings(database_url=database_url), provider=provider)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "search-api did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _allowed(caller: str, place: tuple[int, int]) -> bool:
    return any(a == place[0] and i in (None, place[1]) for a, i in SOURCES[caller])


def _hit_allowed(live_data: LiveData, caller: str, hit: dict[str, Any]) -> bool:
    if hit["kind"] == "message":
        return _allowed(caller, live_data.place_of_conversation[hit["conversation"]["id"]])
    owner, value = live_data.owner_of_document[hit["document"]["id"]]
    if owner == "account":  # any source of the account, an inbox-limited one too
        return hit["kind"] == "article" and any(a == value for a, _ in SOURCES[caller])
    return hit["kind"] == "document" and str(value) == str(live_data.callers[caller].project_id)


filters = st.fixed_dictionaries(
    {},
    optional={
        "account_ids": st.lists(st.sampled_from([1, 2, 3]), min_size=1, max_size=3),
        "inbox_ids": st.lists(st.sampled_from([5, 6, 7]), min_size=1, max_size=3),
        "include_private": st.booleans(),
        "sender_types": st.lists(
            st.sampled_from(["contact", "agent"]), min_size=1, max_size=2, unique=True
        ),
        "categories": st.just(["faq"]),
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    caller=st.sampled_from(sorted(SOURCES)),
    words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
    mode=st.sampled_from(["hybrid", "semantic", "keyword"]),
    group_by=st.sampled_from(["none", "conversation"]),
    chosen=st.lists(st.integers(0, len(PLACES) * len(TEXTS) - 1), max_size=3),
    extra=filters,
    sources=st.none()
    | st.lists(
        st.sampled_from(["conversations", "articles", "documents"]),
        min_size=1,
        max_size=3,
        unique=True,
    ),
)
def test_no_request_reaches_another_project(
    live_url: str,
    live_data: LiveData,
    caller: str,
    words: list[str],
    mode: str,
    group_by: str,
    chosen: list[int],
    extra: dict[str, Any],
    sources: list[str] | None,
) -> None:
    headers = live_data.callers[caller].headers
    body: dict[str, Any] = {
        "q": " ".join(words),
        "mode": mode,
        "group_by": group_by,
        "limit": 3,
        **({"sources": sources} if sources is not None else {}),
        "filters": {
            **extra,
            **(
                {"conversation_ids": [live_data.conversations[i] for i in chosen]} if chosen else {}
            ),
        },
    }
    with httpx.Client(base_url=live_url, headers=headers, timeout=30) as client:
        for _ in range(4):
            response = client.post("/v1/search", json=body)
            assert response.status_code == 200, response.text
            page = response.json()
            for hit in page["hits"]:
                assert _hit_allowed(live_data, caller, hit), (caller, hit)
            if page["next_cursor"] is None:
                break
            body["cursor"] = page["next_cursor"]
        for index in chosen:
            gid = live_data.conversations[index]
            allowed = _allowed(caller, live_data.place_of_conversation[gid])
            fetched = client.get(f"/v1/conversations/{gid}")
            assert fetched.status_code == (200 if allowed else 404)
            similar = client.get(f"/v1/conversations/{gid}/similar")
            assert similar.status_code == (200 if allowed else 404)
            for hit in similar.json().get("hits", []):
                place = live_data.place_of_conversation[hit["conversation"]["id"]]
                assert _allowed(caller, place)


# Built from the app's own OpenAPI document; the app is not started here (no DB, no model).
# (``schemathesis.pytest.from_fixture`` does not work with pytest 9.)
schema = schemathesis.openapi.from_dict(create_app(SearchSettings()).openapi())


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_never_cause_a_server_error(
    case: schemathesis.Case[Any], live_url: str, live_data: LiveData
) -> None:
    case.call_and_validate(
        base_url=live_url, headers=live_data.callers["a"].headers, checks=[not_a_server_error]
    )
