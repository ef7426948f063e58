"""Refused deliveries: the right 4xx with a reason, and nothing written (real Postgres)."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parley_ingest.webhooks.signing import sign
from parley_ingest_testkit import SignedPost
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

FIXTURES = {
    path.stem: json.loads(path.read_text())
    for path in sorted((Path(__file__).parents[1] / "fixtures").glob("*.json"))
}
MESSAGE = FIXTURES["02_message_created_incoming"]
TABLES = ("cw_contacts", "cw_conversations", "cw_messages", "event_outbox", "webhook_deliveries")


async def fingerprint(session: AsyncSession) -> dict[str, str | None]:
    """A digest of every row of every table a delivery may write."""
    digests: dict[str, str | None] = {}
    for table in TABLES:
        digests[table] = await session.scalar(
            text(f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t")  # noqa: S608
        )
    return digests


async def assert_refused(
    response: httpx.Response,
    status: int,
    code: str,
    before: dict[str, str | None],
    session: AsyncSession,
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert await fingerprint(session) == before
    return error


async def test_body_that_is_not_json_is_400(
    post_signed: SignedPost, db_session: AsyncSession
) -> None:
    before = await fingerprint(db_session)
    response = await post_signed(b"{not json")
    await assert_refused(response, 400, "malformed_json", before, db_session)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda body: body.pop("id"), "id"),
        (lambda body: body["conversation"].update(id="forty-two"), "conversation.id"),
        (lambda body: body.update(message_type="shouting"), "message_type"),
        (lambda body: body.update(created_at="yesterday"), "created_at"),
        (lambda body: body.pop("conversation"), "conversation"),
        (lambda body: body.update(content="nul \x00 byte"), "content"),
        (lambda body: body.update(id=2**70), "id"),
        (lambda body: body.pop("event"), "event"),
    ],
)
async def test_missing_or_ill_typed_fields_are_422_naming_the_field(
    mutate: Callable[[dict[str, Any]], object],
    field: str,
    post_signed: SignedPost,
    db_session: AsyncSession,
) -> None:
    body = copy.deepcopy(MESSAGE)
    mutate(body)
    before = await fingerprint(db_session)
    error = await assert_refused(
        await post_signed(body), 422, "invalid_payload", before, db_session
    )
    assert error["field"] == field


async def test_body_over_the_limit_is_413(
    post_signed: SignedPost, db_session: AsyncSession
) -> None:
    body = dict(MESSAGE, content="x" * (1024 * 1024))
    before = await fingerprint(db_session)
    response = await post_signed(body)
    await assert_refused(response, 413, "body_too_large", before, db_session)


class TestAuthentication:
    async def test_wrong_secret_is_401(
        self, post_signed: SignedPost, db_session: AsyncSession
    ) -> None:
        before = await fingerprint(db_session)
        response = await post_signed(MESSAGE, secret="not-the-secret")
        await assert_refused(response, 401, "bad_signature", before, db_session)

    async def test_missing_signature_is_401(
        self, client: httpx.AsyncClient, db_session: AsyncSession
    ) -> None:
        before = await fingerprint(db_session)
        response = await client.post("/v1/webhooks/chatwoot", json=MESSAGE)
        await assert_refused(response, 401, "bad_signature", before, db_session)

    async def test_stale_timestamp_is_401(
        self, post_signed: SignedPost, db_session: AsyncSession
    ) -> None:
        before = await fingerprint(db_session)
        response = await post_signed(MESSAGE, timestamp=int(time.time()) - 301)
        await assert_refused(response, 401, "stale_timestamp", before, db_session)

    async def test_tampered_body_is_401(
        self, client: httpx.AsyncClient, db_session: AsyncSession
    ) -> None:
        stamp = str(int(time.time()))
        body = json.dumps(MESSAGE).encode()
        headers = {
            "x-chatwoot-signature": sign("whsec-test-account-1", stamp, body),
            "x-chatwoot-timestamp": stamp,
        }
        before = await fingerprint(db_session)
        response = await client.post(
            "/v1/webhooks/chatwoot", content=body.replace(b"arrived", b"ARRIVED"), headers=headers
        )
        await assert_refused(response, 401, "bad_signature", before, db_session)

    async def test_body_naming_another_account_is_401_unknown_account(
        self, post_signed: SignedPost, db_session: AsyncSession
    ) -> None:
        body = dict(MESSAGE, account={"id": 5, "name": "Someone else"})
        before = await fingerprint(db_session)
        response = await post_signed(body)
        await assert_refused(response, 401, "unknown_account", before, db_session)

    async def test_url_token_authenticates_its_account(
        self, client: httpx.AsyncClient, db_session: AsyncSession
    ) -> None:
        body = dict(MESSAGE, account={"id": 2, "name": "Legacy"})
        response = await client.post(
            "/v1/webhooks/chatwoot/url-token-account-2-0123456789abcdef", json=body
        )
        assert response.status_code == 200, response.text
        stored = await db_session.scalar(text("SELECT id FROM cw_messages"))
        assert stored == "cwmsg:2:9001"

    async def test_wrong_url_token_is_401(
        self, client: httpx.AsyncClient, db_session: AsyncSession
    ) -> None:
        before = await fingerprint(db_session)
        response = await client.post("/v1/webhooks/chatwoot/guessed-token", json=MESSAGE)
        await assert_refused(response, 401, "unknown_account", before, db_session)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["\x00", "\ud800", "message_created", "2026-13-45", "1" * 30]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def mutated_payloads(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = copy.deepcopy(draw(st.sampled_from(list(FIXTURES.values()))))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(body)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = body
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON_VALUES)
    return body


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=mutated_payloads())
async def test_mutated_real_payloads_never_500_and_never_write_partially(
    body: dict[str, Any], post_signed: SignedPost, db_session: AsyncSession
) -> None:
    before = await fingerprint(db_session)
    encoded = json.dumps(body, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
    response = await post_signed(encoded)
    assert response.status_code in (200, 400, 401, 422), response.text
    if response.status_code != 200:
        assert await fingerprint(db_session) == before
