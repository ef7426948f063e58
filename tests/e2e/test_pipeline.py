"""From a signed Chatwoot webhook to a search hit, through every real process."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from parley_schema.db import create_engine
from parley_simulator.delivery import deliver
from parley_simulator.model import Account, Agent, Contact, Conversation, Inbox, Message
from parley_simulator.payloads import message_event
from parley_testing.stack import Stack
from sqlalchemy import text

from .conftest import Searchers

# One stack per module, on one worker: the group keeps xdist from starting a second.
pytestmark = pytest.mark.e2e
EVENTUALLY_S = 90.0
_ids = itertools.count(700_000)


def _conversation(account_id: int) -> Conversation:
    contact_id = next(_ids)
    return Conversation(
        account=Account(account_id, f"Account {account_id}"),
        inbox=Inbox(account_id * 10 + 1, "Website chat"),
        display_id=next(_ids),
        contact=Contact(contact_id, "Dana Example", f"dana{contact_id}@customer.example", None),
        assignee=Agent(1, "Maya Lindqvist", "maya@support.example"),
        topic="e2e",
        language="en",
        created_at=datetime.now(UTC),
    )


def _message(text: str, *, private: bool = False, incoming: bool = True) -> Message:
    return Message(next(_ids), text, datetime.now(UTC), incoming=incoming, private=private)


async def _send(stack: Stack, body: dict[str, Any]) -> None:
    async with httpx.AsyncClient(base_url=stack.url("ingest"), timeout=10) as client:
        await deliver(client, body, stack.webhook_secrets)


async def _eventually(check: Callable[[], Awaitable[bool]], what: str, stack: Stack) -> None:
    deadline = asyncio.get_running_loop().time() + EVENTUALLY_S
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"never happened: {what}\n{stack.log_tail(2000)}")
        await asyncio.sleep(0.25)


def _message_ids(result: dict[str, Any]) -> list[str]:
    return [hit["message"]["id"] for hit in result["hits"]]


async def test_a_signed_webhook_becomes_a_semantic_search_hit(
    stack: Stack, searchers: Searchers
) -> None:
    conversation = _conversation(1)
    message = _message("My desk lamp keeps flickering whenever I dim it below half brightness.")
    await _send(stack, message_event("message_created", conversation, message))
    wanted = f"cwmsg:1:{message.id}"

    async def found() -> bool:
        result = await searchers.both_accounts.search(
            "light blinks at low brightness", mode="semantic", limit=5
        )
        return wanted in _message_ids(result)

    await _eventually(found, "the paraphrase finds the message", stack)


async def test_an_edit_changes_the_hit_and_a_deletion_removes_it(
    stack: Stack, searchers: Searchers
) -> None:
    conversation = _conversation(1)
    before, after = f"quartzfinch{uuid.uuid4().hex[:6]}", f"emberwolf{uuid.uuid4().hex[:6]}"
    message = _message(f"Order code {before} never arrived")
    wanted = f"cwmsg:1:{message.id}"
    await _send(stack, message_event("message_created", conversation, message))

    async def hits(word: str) -> list[str]:
        return _message_ids(await searchers.both_accounts.search(word, mode="keyword"))

    async def old_word_finds_it() -> bool:
        return wanted in await hits(before)

    await _eventually(old_word_finds_it, "the first version is searchable", stack)

    edited = f"Order code {after} never arrived"
    # Ingest orders a message's versions by X-Chatwoot-Timestamp, in whole seconds (ties go
    # by content hash; see services/ingest/README.md, "Ordering"): edit in a later second.
    await asyncio.sleep(1.1)
    await _send(stack, message_event("message_updated", conversation, message, content=edited))

    async def only_new_word_finds_it() -> bool:
        return wanted in await hits(after) and wanted not in await hits(before)

    await _eventually(only_new_word_finds_it, "the edit replaces the hit", stack)

    await _send(stack, message_event("message_updated", conversation, message, deleted=True))

    async def gone() -> bool:
        return wanted not in await hits(after)

    await _eventually(gone, "the deletion removes the hit", stack)


async def test_a_private_note_is_hidden_unless_requested(
    stack: Stack, searchers: Searchers
) -> None:
    conversation = _conversation(1)
    word = f"velvetmoth{uuid.uuid4().hex[:6]}"
    note = _message(f"Internal: customer {word} is on legacy pricing", private=True, incoming=False)
    await _send(stack, message_event("message_created", conversation, note))
    wanted = f"cwmsg:1:{note.id}"

    async def visible_with_private() -> bool:
        result = await searchers.both_accounts.search(
            word, mode="keyword", filters={"include_private": True}
        )
        return wanted in _message_ids(result)

    await _eventually(visible_with_private, "the private note is searchable on request", stack)
    assert wanted not in _message_ids(await searchers.both_accounts.search(word, mode="keyword"))


async def test_a_project_without_the_account_sees_nothing_of_it(
    stack: Stack, searchers: Searchers
) -> None:
    word = f"copperlynx{uuid.uuid4().hex[:6]}"
    first, second = _conversation(1), _conversation(2)
    in_first, in_second = _message(f"{word} in account one"), _message(f"{word} in account two")
    await _send(stack, message_event("message_created", first, in_first))
    await _send(stack, message_event("message_created", second, in_second))

    async def both_indexed() -> bool:
        result = await searchers.both_accounts.search(word, mode="keyword")
        return {f"cwmsg:1:{in_first.id}", f"cwmsg:2:{in_second.id}"} <= set(_message_ids(result))

    await _eventually(both_indexed, "both messages are searchable", stack)
    for mode in ("keyword", "semantic", "hybrid"):
        result = await searchers.second_account_only.search(word, mode=mode, limit=100)
        assert f"cwmsg:1:{in_first.id}" not in _message_ids(result), mode
        assert all(hit["conversation"]["account_id"] == 2 for hit in result["hits"]), mode


async def test_a_card_number_is_stored_nowhere_and_found_by_no_search_mode(
    stack: Stack, searchers: Searchers
) -> None:
    card = "4111 1111 1111 1111"
    word = f"saffronheron{uuid.uuid4().hex[:6]}"
    conversation = _conversation(1)
    message = _message(f"Order {word}: please charge my card {card} again, the last one failed")
    await _send(stack, message_event("message_created", conversation, message))
    wanted = f"cwmsg:1:{message.id}"

    async def embedded() -> bool:
        result = await searchers.both_accounts.search(word, mode="hybrid")
        return wanted in _message_ids(result)

    await _eventually(embedded, "the message is searchable", stack)
    for query in (card, card.replace(" ", ""), f"card {card}"):
        for mode in ("keyword", "semantic", "hybrid"):
            response = await searchers.both_accounts.http.post(
                "/v1/search", json={"q": query, "mode": mode, "limit": 100}
            )
            assert response.status_code == 200, response.text
            assert card not in response.text, (query, mode)
            assert card.replace(" ", "") not in response.text, (query, mode)
            # Keyword search ORs the query's words: "card" alone finds the [card] placeholder,
            # the number never finds the message.
            if mode == "keyword" and not query.startswith("card "):
                assert wanted not in _message_ids(response.json()), query

    engine = create_engine(stack.settings, application_name="e2e-redaction")
    try:
        async with engine.connect() as connection:
            stored = [
                await connection.scalar(
                    text(f"SELECT string_agg(t::text, ' ') FROM {table} t")  # noqa: S608
                )
                for table in ("cw_messages", "cw_conversations", "cw_contacts", "rag_chunks")
            ]
            chunk = await connection.scalar(
                text("SELECT text FROM rag_chunks WHERE message_global_id = :id"), {"id": wanted}
            )
    finally:
        await engine.dispose()
    assert chunk == f"Order {word}: please charge my card [card] again, the last one failed"
    assert not any(card in (rows or "") or "4111111111111111" in (rows or "") for rows in stored)
