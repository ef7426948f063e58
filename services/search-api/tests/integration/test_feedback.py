"""``/v1/feedback``: agents rate drafts and hits they may see, against real Postgres."""

from __future__ import annotations

from typing import Any

import httpx
from parley_authn import CSRF_HEADER, csrf_token_for
from parley_schema.models import CwConversation, Feedback
from parley_search_api_testkit import World
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

VECTOR = [1.0] + [0.0] * 383  # feedback never embeds: any vector will do


def _rating(kind: str, target: str, rating: str, **more: Any) -> dict[str, Any]:
    return {"target": {"kind": kind, "id": target}, "rating": rating, **more}


def _params(kind: str, target: str) -> dict[str, str]:
    return {"target_kind": kind, "target_id": target}


async def test_each_agent_has_one_rating_per_target_and_may_change_it(
    client: httpx.AsyncClient, world: World
) -> None:
    first = await world.caller([(1, None)])
    second = await world.member(first.project_id)
    conversation = await world.conversation(1)
    rated = await client.post(
        "/v1/feedback",
        json=_rating("answer", conversation, "up", comment=" cites the right policy "),
        headers=first.headers,
    )
    assert rated.status_code == 200, rated.text
    assert rated.json() == {
        "target": {"kind": "answer", "id": conversation},
        "up": 1,
        "down": 0,
        "mine": "up",
        "my_comment": "cites the right policy",
    }
    await client.post(
        "/v1/feedback", json=_rating("answer", conversation, "up"), headers=first.headers
    )
    changed = await client.post(
        "/v1/feedback", json=_rating("answer", conversation, "down"), headers=first.headers
    )
    assert changed.json() | {"target": None} == {
        "target": None,
        "up": 0,
        "down": 1,
        "mine": "down",
        "my_comment": None,
    }
    other = await client.post(
        "/v1/feedback", json=_rating("answer", conversation, "up"), headers=second.headers
    )
    assert (other.json()["up"], other.json()["down"], other.json()["mine"]) == (1, 1, "up")
    read = await client.get(
        "/v1/feedback", params=_params("answer", conversation), headers=first.headers
    )
    assert (read.json()["up"], read.json()["down"], read.json()["mine"]) == (1, 1, "down")
    withdrawn = await client.delete(
        "/v1/feedback", params=_params("answer", conversation), headers=first.headers
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["up"], withdrawn.json()["down"], withdrawn.json()["mine"]) == (
        1,
        0,
        None,
    )


async def test_hits_of_every_kind_are_rated(
    client: httpx.AsyncClient, world: World, db_session: AsyncSession
) -> None:
    caller = await world.caller([(1, None)])
    conversation = await world.conversation(1)
    message = await world.message(conversation, "refund arrived", vector=VECTOR)
    article = await world.document("Refunds take five days.", title="Refunds", account_id=1)
    upload = await world.document("Refund policy.", title="Policy", project_id=caller.project_id)
    open_one = await world.conversation(1)
    for kind, target in (
        ("conversation", conversation),
        ("message", message),
        ("article", article),
        ("document", upload),
    ):
        response = await client.post(
            "/v1/feedback",
            json=_rating(kind, target, "up", conversation_id=open_one),
            headers=caller.headers,
        )
        assert response.status_code == 200, (kind, response.text)
        assert response.json()["up"] == 1
    rows = (await db_session.execute(select(Feedback).order_by(Feedback.created_at))).scalars()
    facts = {
        (r.target_kind, r.target_conversation_id, r.target_document_id, r.conversation_id)
        for r in rows
    }
    assert facts == {
        ("conversation", conversation, None, open_one),
        ("message", conversation, None, open_one),
        ("article", None, article, open_one),
        ("document", None, upload, open_one),
    }
    # Feedback leaves with the conversation it names (erasure, retention, reconcile).
    await db_session.execute(delete(CwConversation).where(CwConversation.id == open_one))
    assert await db_session.scalar(select(func.count()).select_from(Feedback)) == 0


async def test_only_what_the_caller_may_see_is_rated(
    client: httpx.AsyncClient, world: World
) -> None:
    caller = await world.caller([(1, 5)])  # one inbox of account 1
    reader = await world.member(caller.project_id, role="member", token_scopes=())
    elsewhere = await world.conversation(1, inbox_id=6)
    mine = await world.conversation(1, inbox_id=5)
    note = await world.message(mine, "internal: refund approved", private=True, vector=VECTOR)
    deleted = await world.message(mine, "gone", deleted=True, vector=VECTOR)
    other_upload = await world.document(
        "Other team's policy.",
        title="Theirs",
        project_id=(await world.caller([(1, None)])).project_id,
    )
    other_article = await world.document("Account 2's article.", title="Two", account_id=2)
    for kind, target in (
        ("conversation", elsewhere),
        ("answer", elsewhere),
        ("message", deleted),
        ("message", "cwmsg:1:999999999"),
        ("document", other_upload),
        ("article", other_article),
    ):
        response = await client.post(
            "/v1/feedback", json=_rating(kind, target, "up"), headers=caller.headers
        )
        assert response.status_code == 404, (kind, response.text)
        assert response.json()["error"]["code"] == "feedback_target_not_found"
        assert response.json()["error"]["field"] == "target.id"
        read = await client.get(
            "/v1/feedback", params=_params(kind, target), headers=caller.headers
        )
        assert read.status_code == 404, (kind, read.text)
    assert (
        await client.post(
            "/v1/feedback", json=_rating("message", note, "up"), headers=caller.headers
        )
    ).status_code == 200
    hidden = await client.post(
        "/v1/feedback", json=_rating("message", note, "up"), headers=reader.headers
    )
    assert hidden.status_code == 404, "a private note is not rated without the right to read it"
    context = await client.post(
        "/v1/feedback",
        json=_rating("conversation", mine, "up", conversation_id=elsewhere),
        headers=caller.headers,
    )
    assert context.status_code == 404
    assert context.json()["error"] | {"message": None} == {
        "code": "conversation_not_found",
        "message": None,
        "field": "conversation_id",
    }


async def test_counts_are_the_project_s_own(client: httpx.AsyncClient, world: World) -> None:
    first, second = await world.caller([(1, None)]), await world.caller([(1, None)])
    article = await world.document("Shipping takes two days.", title="Shipping", account_id=1)
    await client.post(
        "/v1/feedback", json=_rating("article", article, "down"), headers=first.headers
    )
    theirs = await client.get(
        "/v1/feedback", params=_params("article", article), headers=second.headers
    )
    assert (theirs.json()["up"], theirs.json()["down"], theirs.json()["mine"]) == (0, 0, None)


async def test_bad_feedback_is_refused_with_the_field(
    client: httpx.AsyncClient, world: World
) -> None:
    caller = await world.caller([(1, None)])
    conversation = await world.conversation(1)
    bad: list[tuple[dict[str, Any], str]] = [
        (_rating("answer", conversation, "meh"), "rating"),
        (_rating("message", conversation, "up"), "target"),  # a conversation id for a message
        (_rating("hit", conversation, "up"), "target.kind"),
        (_rating("answer", conversation, "up", comment="x" * 2001), "comment"),
        (_rating("answer", conversation, "up", comment="a\x00b"), "comment"),
        (_rating("answer", conversation, "up", conversation_id="42"), "conversation_id"),
        (_rating("answer", conversation, "up", extra=1), "extra"),
    ]
    for body, field in bad:
        response = await client.post("/v1/feedback", json=body, headers=caller.headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["field"].startswith(field), response.json()
    for params in (
        {"target_kind": "answer"},
        _params("document", "kbdoc:not-a-uuid"),
        _params("answer", conversation) | {"more": "x"},
    ):
        response = await client.get("/v1/feedback", params=params, headers=caller.headers)
        assert response.status_code == 422, (params, response.text)
    read = await client.get(
        "/v1/feedback", params=_params("answer", conversation), headers=caller.headers
    )
    assert (read.json()["up"], read.json()["down"]) == (0, 0), "nothing was written"


async def test_a_session_cookie_rates_only_with_its_csrf_token(
    client: httpx.AsyncClient, world: World
) -> None:
    caller = await world.caller([(1, None)])
    conversation = await world.conversation(1)
    client.cookies.update(caller.cookies)
    try:
        refused = await client.post("/v1/feedback", json=_rating("answer", conversation, "up"))
        assert refused.status_code == 403, refused.text
        csrf = {CSRF_HEADER: csrf_token_for(caller.cookie)}
        accepted = await client.post(
            "/v1/feedback", json=_rating("answer", conversation, "up"), headers=csrf
        )
        assert accepted.status_code == 200, accepted.text
        assert (await client.get("/v1/feedback", params=_params("answer", conversation))).json()[
            "mine"
        ] == "up"
    finally:
        client.cookies.clear()
