"""Ranking (issue 18): keyword search with OR semantics ranked by rarity, identifiers and
named contacts above everything else in hybrid, and the second stage's outcome prior."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from parley_embeddings.local import LocalProvider
from parley_search_api.settings import SearchSettings
from parley_search_api_testkit import Caller, World, open_client
from sqlalchemy.ext.asyncio import AsyncSession


async def _search(
    client: httpx.AsyncClient, caller: Caller, q: str, **extra: object
) -> list[dict[str, object]]:
    response = await client.post(
        "/v1/search", json={"q": q, "group_by": "conversation", **extra}, headers=caller.headers
    )
    assert response.status_code == 200, response.text
    hits: list[dict[str, object]] = response.json()["hits"]
    return hits


def _ids(hits: list[dict[str, object]]) -> list[str]:
    return [hit["conversation"]["id"] for hit in hits]  # type: ignore[index]


async def _conversation(world: World, *texts: str, **extra: object) -> str:
    gid = await world.conversation(1, **extra)  # type: ignore[arg-type]
    for text in texts:
        await world.message(gid, text)
    return gid


async def test_a_question_finds_messages_with_only_some_of_its_words(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    both = await _conversation(world, "the refund has not reached my bank account")
    rare_only = await _conversation(world, "where is my refund")
    await _conversation(world, "my account settings page is blank")
    await _conversation(world, "my account password expired")

    hits = await _search(
        client, caller, "why has the refund still not reached my account", mode="keyword"
    )

    assert _ids(hits)[:2] == [both, rare_only]  # "refund" is rarer than "account"
    assert len(hits) == 4
    assert "<mark>refund</mark>" in str(hits[1]["highlight"])  # a hit with one of the words


async def test_quoted_phrases_and_exclusions_keep_working(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    phrase = await _conversation(world, "my card was charged twice this month")
    await _conversation(world, "twice I tried, the card was never charged")
    excluded = await _conversation(world, "my card was charged twice, a refund please")

    assert set(_ids(await _search(client, caller, '"charged twice" card', mode="keyword"))) == {
        phrase,
        excluded,
    }
    assert _ids(await _search(client, caller, '"charged twice" -refund', mode="keyword")) == [
        phrase
    ]


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
async def test_a_quoted_word_in_no_message_finds_nothing_by_keyword(
    world: World, client: httpx.AsyncClient, mode: str
) -> None:
    caller = await world.caller([(1, None)])
    await _conversation(world, "my card was charged twice")

    hits = await _search(client, caller, '"zyxwvut" -card', mode=mode)

    assert all(hit["scores"]["keyword"] is None for hit in hits)  # type: ignore[index]


async def test_a_rare_identifier_ranks_its_conversation_first_in_hybrid(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    for n in range(25):  # the year is in many messages: an identifier's shape, not rare
        await _conversation(world, f"windows update failed again in 2024, attempt {n}")
    coded = await _conversation(world, "the installer stops with 0x80070005 in 2024, thanks")

    hits = await _search(client, caller, "windows update error 0x80070005 2024")

    assert _ids(hits)[0] == coded
    assert len(hits) > 1  # the others still come, below


async def test_a_named_contact_ranks_first_in_hybrid(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    lukas = await world.contact(1, name="Lukas Tanaka")
    his = {
        await _conversation(world, "my parcel is late", contact=lukas),
        await _conversation(world, "please change my delivery address", contact=lukas),
    }
    for text in ("Tanaka-san asked about Lukas's order", "names are hard", "hello there"):
        await _conversation(world, text)

    hits = await _search(client, caller, "Lukas Tanaka")

    assert set(_ids(hits)[:2]) == his


@pytest.fixture
async def first_stage_client(
    database_url: str, provider: LocalProvider, db_session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    settings = SearchSettings(database_url=database_url, search_second_stage_depth=0)
    async for client in open_client(settings, provider, db_session):
        yield client


@pytest.fixture
async def second_stage_client(
    database_url: str, provider: LocalProvider, db_session: AsyncSession
) -> AsyncIterator[httpx.AsyncClient]:
    settings = SearchSettings(database_url=database_url, search_outcome_weight=0.5)
    async for client in open_client(settings, provider, db_session):
        yield client


async def test_the_second_stage_puts_a_resolved_answer_above_an_open_repeat(
    world: World,
    first_stage_client: httpx.AsyncClient,
    second_stage_client: httpx.AsyncClient,
) -> None:
    caller = await world.caller([(1, None)])
    question = "how do I export my invoices as PDF"
    repeat = await _conversation(world, question, "how do I export my invoices as a PDF file?")
    answered = await world.conversation(1, status="resolved")
    await world.message(answered, "can I download invoices as PDF")
    await world.message(
        answered,
        "Yes: Billing, then Invoices, then Export as PDF.",
        sender_type="User",
        message_type="outgoing",
    )

    first_stage = _ids(await _search(first_stage_client, caller, question))
    second_stage = _ids(await _search(second_stage_client, caller, question))

    assert first_stage[:2] == [repeat, answered]
    assert second_stage[:2] == [answered, repeat]
