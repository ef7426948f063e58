"""What Chatwoot's search lacks: typos, accents, other languages, contact and id lookups,
and no time limit."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from parley_search_api_testkit import Caller, World


async def _search(
    client: httpx.AsyncClient, caller: Caller, q: str, **extra: object
) -> list[dict[str, object]]:
    response = await client.post("/v1/search", json={"q": q, **extra}, headers=caller.headers)
    assert response.status_code == 200, response.text
    hits: list[dict[str, object]] = response.json()["hits"]
    return hits


def _conversation_ids(hits: list[dict[str, object]]) -> list[str]:
    return [hit["conversation"]["id"] for hit in hits]  # type: ignore[index]


async def test_a_misspelled_word_still_matches_in_keyword_mode(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    gid = await world.conversation(1)
    await world.message(gid, "the subscription renewal failed overnight")
    other = await world.conversation(1)
    await world.message(other, "thanks for the quick help")

    hits = await _search(client, caller, "subscripton renewel", mode="keyword")

    assert _conversation_ids(hits) == [gid]


async def test_a_misspelling_is_corrected_even_if_another_project_spells_it_so(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    gid = await world.conversation(1)
    await world.message(gid, "the subscription renewal failed overnight")
    foreign = await world.conversation(2)  # not the caller's: its words must not count
    await world.message(foreign, "subscripton renewel")

    hits = await _search(client, caller, "subscripton renewel", mode="keyword")

    assert _conversation_ids(hits) == [gid]


async def test_correctly_spelled_words_rare_under_a_filter_get_no_fuzzy_matches(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    spelled = await world.conversation(1, inbox_id=1)
    await world.message(spelled, "the subscription renewal failed overnight")
    misspelled = await world.conversation(1, inbox_id=2)
    await world.message(misspelled, "subscripton renewel")

    filtered = await _search(
        client, caller, "subscription renewal", mode="keyword", filters={"inbox_ids": [2]}
    )

    assert filtered == []  # both words are known: no trigram search for look-alikes


async def test_accents_do_not_matter_either_way(world: World, client: httpx.AsyncClient) -> None:
    caller = await world.caller([(1, None)])
    accented = await world.conversation(1)
    await world.message(accented, "Le café est fermé à Genève")
    plain = await world.conversation(1)
    await world.message(plain, "the resume was sent to the Geneve office")

    assert _conversation_ids(await _search(client, caller, "cafe ferme", mode="keyword")) == [
        accented
    ]
    assert set(_conversation_ids(await _search(client, caller, "Genève", mode="keyword"))) == {
        accented,
        plain,
    }


async def test_the_simple_configuration_keeps_words_english_drops(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    gid = await world.conversation(1)
    await world.message(gid, "no me llega el correo")

    # "no" is an English stop word: only the simple configuration matches it as a word
    english = await _search(client, caller, "no llega", mode="keyword")
    simple = await _search(client, caller, "no llega", mode="keyword", text_config="simple")

    assert _conversation_ids(simple) == [gid]
    assert "<mark>no</mark> me <mark>llega</mark>" in str(simple[0]["highlight"])
    assert "<mark>no</mark>" not in str(english[0]["highlight"])
    assert "<mark>llega</mark>" in str(english[0]["highlight"])


async def test_contact_details_and_display_ids_lift_their_conversation(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    maria = await world.contact(
        1,
        name="María González",
        email="maria@example.org",
        phone_number="+34 600 123 456",
        identifier="CUST-8841",
    )
    hers = await world.conversation(1, contact=maria, display_id=9001)
    await world.message(hers, "my order arrived damaged")
    namesake = await world.contact(1, name="Maria Lopez")  # shares only a first name
    for contact in (namesake, None, None):
        other = await world.conversation(1, contact=contact)
        await world.message(other, "my order arrived damaged, box crushed")

    for query in (
        "Maria Gonzalez damaged order",
        "maria@example.org",
        "+34 600-123-456",
        "cust-8841",
        "#9001",
    ):
        hits = await _search(client, caller, query, group_by="conversation")
        assert _conversation_ids(hits)[0] == hers, query
        assert hits[0]["scores"]["lift"] is not None  # type: ignore[index]
        assert all(hit["scores"]["lift"] is None for hit in hits[1:]), query  # type: ignore[index]


async def test_old_messages_are_found_without_a_time_limit(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    gid = await world.conversation(1)
    await world.message(
        gid, "warranty claim for the blender", created_at=datetime(2019, 5, 1, tzinfo=UTC)
    )

    assert _conversation_ids(await _search(client, caller, "blender warranty")) == [gid]
