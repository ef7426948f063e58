"""Who sent a delivery: secrets shared by several accounts, and the URL-token route's
timestamp, bounded like the signed route's (real Postgres, each test rolled back)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from parley_ingest.settings import IngestSettings
from parley_ingest.webhooks.signing import sign
from parley_schema.models import CwMessage
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

FIXTURES = Path(__file__).parents[1] / "fixtures"
MESSAGE = json.loads((FIXTURES / "02_message_created_incoming.json").read_text())
CONVERSATION = json.loads((FIXTURES / "01_conversation_created.json").read_text())
SHARED_SECRET = "whsec-shared-by-accounts-1-and-3"
OWN_SECRET = "whsec-of-account-5-alone"
SHARED_TOKEN = "url-token-shared-by-accounts-2-and-4"
WINDOW_S = 300


@pytest.fixture(scope="module")
def ingest_settings(database_url: str, amqp_url: str) -> IngestSettings:
    return IngestSettings(
        database_url=database_url,
        amqp_url=amqp_url,
        chatwoot_webhook_secrets={
            1: SecretStr(SHARED_SECRET),
            3: SecretStr(SHARED_SECRET),
            5: SecretStr(OWN_SECRET),
        },
        chatwoot_webhook_url_tokens={2: SecretStr(SHARED_TOKEN), 4: SecretStr(SHARED_TOKEN)},
        webhook_timestamp_window_s=WINDOW_S,
        log_format="json",
    )


def for_account(body: dict[str, Any], account_id: int, message_id: int = 9001) -> dict[str, Any]:
    return dict(body, id=message_id, account={"id": account_id, "name": f"Account {account_id}"})


async def post_signed(
    client: httpx.AsyncClient, body: dict[str, Any], secret: str
) -> httpx.Response:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    headers = {"x-chatwoot-signature": sign(secret, stamp, raw), "x-chatwoot-timestamp": stamp}
    return await client.post("/v1/webhooks/chatwoot", content=raw, headers=headers)


async def stored_message_ids(session: AsyncSession) -> list[str]:
    return list(await session.scalars(select(CwMessage.id).order_by(CwMessage.id)))


class TestSharedSecret:
    async def test_each_account_sharing_a_secret_gets_its_own_deliveries(
        self, client: httpx.AsyncClient, db_session: AsyncSession
    ) -> None:
        for account_id in (1, 3):
            response = await post_signed(client, for_account(MESSAGE, account_id), SHARED_SECRET)
            assert response.status_code == 200, response.text
        assert await stored_message_ids(db_session) == ["cwmsg:1:9001", "cwmsg:3:9001"]

    async def test_a_body_naming_an_account_the_secret_is_not_for_is_refused(
        self, client: httpx.AsyncClient, db_session: AsyncSession
    ) -> None:
        for account_id in (5, 7):
            response = await post_signed(client, for_account(MESSAGE, account_id), SHARED_SECRET)
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "unknown_account"
        assert await stored_message_ids(db_session) == []

    async def test_a_body_naming_no_account_under_a_shared_secret_is_refused(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await post_signed(client, CONVERSATION, SHARED_SECRET)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unknown_account"

    async def test_a_body_naming_no_account_belongs_to_the_only_one_with_the_secret(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await post_signed(client, CONVERSATION, OWN_SECRET)
        assert response.status_code == 200, response.text

    async def test_accounts_sharing_a_url_token_get_their_own_deliveries(
        self, client: httpx.AsyncClient, db_session: AsyncSession
    ) -> None:
        for account_id in (2, 4):
            response = await client.post(
                f"/v1/webhooks/chatwoot/{SHARED_TOKEN}", json=for_account(MESSAGE, account_id)
            )
            assert response.status_code == 200, response.text
        assert await stored_message_ids(db_session) == ["cwmsg:2:9001", "cwmsg:4:9001"]


class TestUrlTokenTimestamp:
    async def post(
        self, client: httpx.AsyncClient, timestamp: str | bytes | None
    ) -> httpx.Response:
        value = timestamp.encode() if isinstance(timestamp, str) else timestamp
        headers = {} if value is None else {b"x-chatwoot-timestamp": value}
        return await client.post(
            f"/v1/webhooks/chatwoot/{SHARED_TOKEN}",
            json=for_account(MESSAGE, 2),
            headers=headers,
        )

    @pytest.mark.parametrize(
        "offset_s", [WINDOW_S + 5, -(WINDOW_S + 5), 10**9], ids=["future", "past", "far-future"]
    )
    async def test_a_timestamp_outside_the_window_is_401(
        self, offset_s: int, client: httpx.AsyncClient, db_session: AsyncSession
    ) -> None:
        response = await self.post(client, str(int(time.time()) + offset_s))
        assert response.status_code == 401
        error = response.json()["error"]
        assert (error["code"], error["field"]) == ("stale_timestamp", "X-Chatwoot-Timestamp")
        assert await stored_message_ids(db_session) == []

    @pytest.mark.parametrize(
        "value", ["999999999999", "9" * 13, "-1", "1e10", "1764000000.5", "", "٣٣٣".encode()]
    )
    async def test_a_timestamp_out_of_range_or_malformed_is_4xx_never_500(
        self, value: str | bytes, client: httpx.AsyncClient, db_session: AsyncSession
    ) -> None:
        response = await self.post(client, value)
        assert (response.status_code, response.json()["error"]["code"]) in {
            (400, "malformed_timestamp"),
            (401, "stale_timestamp"),
        }
        assert await stored_message_ids(db_session) == []

    async def test_a_timestamp_in_the_window_is_the_version(
        self, client: httpx.AsyncClient, db_session: AsyncSession
    ) -> None:
        sent = int(time.time()) - 30
        response = await self.post(client, str(sent))
        assert response.status_code == 200, response.text
        version = await db_session.scalar(select(CwMessage.updated_at))
        assert version is not None
        assert version.timestamp() == sent

    async def test_without_a_timestamp_the_delivery_is_versioned_when_received(
        self, client: httpx.AsyncClient, db_session: AsyncSession
    ) -> None:
        before = time.time()
        response = await self.post(client, None)
        assert response.status_code == 200, response.text
        version = await db_session.scalar(select(CwMessage.updated_at))
        assert version is not None
        assert before - 1 <= version.timestamp() <= time.time() + 1

    async def test_a_far_future_timestamp_does_not_freeze_the_row(
        self, client: httpx.AsyncClient, db_session: AsyncSession
    ) -> None:
        now = int(time.time())
        assert (await self.post(client, str(now - 60))).status_code == 200
        frozen = for_account(dict(MESSAGE, content="from the year 2100"), 2)
        far = await client.post(
            f"/v1/webhooks/chatwoot/{SHARED_TOKEN}",
            json=frozen,
            headers={"x-chatwoot-timestamp": "4102444800"},
        )
        assert far.status_code == 401
        edited = for_account(dict(MESSAGE, content="edited now"), 2)
        response = await client.post(
            f"/v1/webhooks/chatwoot/{SHARED_TOKEN}",
            json=edited,
            headers={"x-chatwoot-timestamp": str(now)},
        )
        assert response.json()["status"] == "stored", response.text
        assert await db_session.scalar(select(CwMessage.content)) == "edited now"
