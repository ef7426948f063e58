"""``GET /v1/conversations/{id}/similar`` for open and finished conversations: resolved ones
first, each with the reply that resolved it; private notes and project scope as search."""

from __future__ import annotations

from typing import Any

import httpx
from parley_search_api_testkit import World


async def similar(
    client: httpx.AsyncClient, gid: str, headers: dict[str, str], **params: bool
) -> list[dict[str, Any]]:
    response = await client.get(f"/v1/conversations/{gid}/similar", params=params, headers=headers)
    assert response.status_code == 200, response.text
    hits: list[dict[str, Any]] = response.json()["hits"]
    return hits


def ids(hits: list[dict[str, Any]]) -> list[str]:
    return [hit["conversation"]["id"] for hit in hits]


async def test_an_open_conversation_gets_resolved_ones_first_with_their_resolving_reply(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    source = await world.conversation(1)
    await world.message(source, "hi")
    await world.message(source, "the password reset email never arrives in my inbox")
    fixed = await world.conversation(1, status="resolved")
    await world.message(fixed, "I asked for a new password but no reset mail came")
    await world.message(
        fixed, "Hello, let me check that for you.", sender_type="User", message_type="outgoing"
    )
    fix = await world.message(
        fixed,
        "Reset emails land in spam: whitelist noreply@example.com and retry.",
        sender_type="User",
        message_type="outgoing",
    )
    await world.message(fixed, "found it in spam, thanks")
    other = await world.conversation(1, status="resolved")
    await world.message(other, "how do I export my invoices as a PDF")
    answer = await world.message(
        other, "Open Billing and click Download PDF.", sender_type="User", message_type="outgoing"
    )
    waiting = await world.conversation(1, status="open")
    await world.message(waiting, "password reset email is not arriving in my inbox")

    hits = await similar(client, source, caller.headers)

    assert ids(hits) == [fixed, other, waiting]
    first, second, third = hits
    assert first["resolution"]["id"] == fix
    assert first["resolution"]["content"].startswith("Reset emails land in spam")
    assert first["resolution"]["sender_type"] == "User"
    assert second["resolution"]["id"] == answer
    assert third["resolution"] is None
    assert third["conversation"]["status"] == "open"
    assert first["scores"]["fused"] > second["scores"]["fused"]
    assert first["conversation"]["url"].endswith(f"/conversations/{fixed.rsplit(':', 1)[1]}")


async def test_the_resolution_is_the_public_agent_reply_that_answers_the_problem(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    source = await world.conversation(1)
    await world.message(source, "the android app crashes on startup after the update")
    resolved = await world.conversation(1, status="resolved")
    await world.message(resolved, "app crashes when I open it since updating")
    await world.message(
        resolved, "Hi! Thanks for reaching out.", sender_type="User", message_type="outgoing"
    )
    await world.message(
        resolved,
        "crash on startup after update: escalate to mobile team",
        private=True,
        sender_type="User",
        message_type="outgoing",
    )
    fix = await world.message(
        resolved,
        "Please update to version 4.2.1, it fixes the startup crash.",
        sender_type="User",
        message_type="outgoing",
    )
    await world.message(
        resolved,
        "Deleted reply about the crash",
        deleted=True,
        sender_type="User",
        message_type="outgoing",
    )
    await world.message(
        resolved, "Anything else I can help with?", sender_type="User", message_type="outgoing"
    )
    await world.message(
        resolved,
        "Crash on startup after the update, fixed",
        sender_type="AgentBot",
        message_type="outgoing",
    )

    for include_private in (False, True):
        (hit,) = await similar(client, source, caller.headers, include_private=include_private)
        assert hit["resolution"]["id"] == fix
        assert hit["resolution"]["private"] is False


async def test_private_notes_count_only_when_asked_for(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    source = await world.conversation(1)
    await world.message(source, "my parcel is lost, tracking has not moved for a week")
    noted = await world.conversation(1, status="resolved")
    await world.message(noted, "hello")
    note = await world.message(
        noted,
        "parcel lost, tracking stuck for a week: reshipped",
        private=True,
        sender_type="User",
        message_type="outgoing",
    )

    public = await similar(client, source, caller.headers)
    with_notes = await similar(client, source, caller.headers, include_private=True)

    assert all(hit["message"]["private"] is False for hit in public)
    assert all(hit["message"]["id"] != note for hit in public)
    assert with_notes[0]["message"]["id"] == note
    assert with_notes[0]["text"].startswith("parcel lost")


async def test_a_private_note_of_the_source_is_no_question_without_the_right(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    source = await world.conversation(1)
    await world.message(
        source,
        "card declined at checkout",
        private=True,
        sender_type="User",
        message_type="outgoing",
    )
    declined = await world.conversation(1, status="resolved")
    await world.message(declined, "my card was declined at checkout")

    assert await similar(client, source, caller.headers) == []
    assert ids(await similar(client, source, caller.headers, include_private=True)) == [declined]


async def test_conversations_outside_the_projects_inboxes_are_never_similar(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, 1)])
    source = await world.conversation(1, inbox_id=1)
    await world.message(source, "webhook deliveries stopped two days ago")
    mine = await world.conversation(1, inbox_id=1, status="resolved")
    await world.message(mine, "our webhooks are not firing anymore")
    other_inbox = await world.conversation(1, inbox_id=2, status="resolved")
    await world.message(other_inbox, "webhook deliveries stopped two days ago")
    other_account = await world.conversation(2, inbox_id=1, status="resolved")
    await world.message(other_account, "webhook deliveries stopped two days ago")

    hits = await similar(client, source, caller.headers)
    outside = await client.get(f"/v1/conversations/{other_inbox}/similar", headers=caller.headers)

    assert ids(hits) == [mine]
    assert outside.status_code == 404
    assert outside.json()["error"]["code"] == "conversation_not_found"


async def test_a_shared_identifier_is_found_by_the_keyword_side(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    source = await world.conversation(1)
    await world.message(source, "sync fails with error 0x80070005")
    coded = await world.conversation(1, status="resolved")
    await world.message(coded, "I get 0x80070005 every morning")
    unrelated = await world.conversation(1, status="resolved")
    await world.message(unrelated, "please change the billing address on my account")

    hits = {hit["conversation"]["id"]: hit for hit in await similar(client, source, caller.headers)}

    assert hits[coded]["scores"]["keyword"] is not None
    assert hits[unrelated]["scores"]["keyword"] is None
    assert next(iter(hits)) == coded


async def test_any_text_in_the_source_is_answered(world: World, client: httpx.AsyncClient) -> None:
    caller = await world.caller([(1, None)])
    source = await world.conversation(1)
    await world.message(source, "O'Reilly's path C:\\temp\\it's \\' & | ! ( ) : * ½ won't open")
    other = await world.conversation(1, status="resolved")
    await world.message(other, "O'Reilly's C:\\temp won't open")

    assert ids(await similar(client, source, caller.headers)) == [other]


async def test_a_conversation_without_customer_or_agent_messages_has_none(
    world: World, client: httpx.AsyncClient
) -> None:
    caller = await world.caller([(1, None)])
    source = await world.conversation(1)
    await world.message(
        source, "Welcome! How can we help?", sender_type="AgentBot", message_type="template"
    )
    other = await world.conversation(1, status="resolved")
    await world.message(other, "Welcome! How can we help?")

    assert await similar(client, source, caller.headers) == []
