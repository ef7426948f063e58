"""The webhook routes against the running ingest: the URL token never reaches a log line,
the URL-token route bounds X-Chatwoot-Timestamp (4xx with a reason, never 500), two Chatwoot
accounts configured with one secret (or one URL token) each get their own deliveries, and a
URL token shorter than 32 characters stops ingest at start with one line naming the variable.
"""

from __future__ import annotations

import json
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from parley_ingest.webhooks.signing import sign
from parley_testing.postgres import free_port
from parley_testing.stack import Stack

SHARED_SECRET = secrets.token_hex(16)
URL_TOKEN = secrets.token_urlsafe(32)
GUESSED_TOKENS = [secrets.token_urlsafe(32), URL_TOKEN[:-1], URL_TOKEN + "x"]
WINDOW_S = 300
MESSAGE_ID = 70_001


@pytest.fixture(scope="module")
def stack_settings() -> dict[str, str]:
    """Accounts 1 and 2 share one signing secret and one URL token."""
    return {
        "PARLEY_CHATWOOT_WEBHOOK_SECRETS": json.dumps({"1": SHARED_SECRET, "2": SHARED_SECRET}),
        "PARLEY_CHATWOOT_WEBHOOK_URL_TOKENS": json.dumps({"1": URL_TOKEN, "2": URL_TOKEN}),
        "PARLEY_WEBHOOK_TIMESTAMP_WINDOW_S": str(WINDOW_S),
    }


def message(
    account_id: int, message_id: int = MESSAGE_ID, content: str = "Hello"
) -> dict[str, Any]:
    return {
        "event": "message_created",
        "id": message_id,
        "content": content,
        "message_type": "incoming",
        "private": False,
        "created_at": "2026-01-05T10:00:00.000Z",
        "account": {"id": account_id, "name": f"Account {account_id}"},
        "sender": {"id": 501, "type": "contact"},
        "conversation": {"id": 42, "inbox_id": 3, "status": "open", "meta": {}},
    }


def token_url(stack: Stack, token: str = URL_TOKEN) -> str:
    return f"{stack.url('ingest')}/v1/webhooks/chatwoot/{token}"


def post_signed(stack: Stack, body: dict[str, Any], secret: str = SHARED_SECRET) -> httpx.Response:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    headers = {
        "content-type": "application/json",
        "x-chatwoot-signature": sign(secret, stamp, raw),
        "x-chatwoot-timestamp": stamp,
    }
    return httpx.post(f"{stack.url('ingest')}/v1/webhooks/chatwoot", content=raw, headers=headers)


def error_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def all_logs(stack: Stack) -> str:
    return "\n".join(path.read_text(errors="replace") for path in sorted(stack.logs.glob("*.log")))


def disconnect_mid_body(stack: Stack, path: str) -> None:
    """Announce a body, send part of it and hang up: the app fails reading it."""
    address = urlsplit(stack.url("ingest"))
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: ingest\r\nContent-Type: application/json\r\n"
            'Content-Length: 1000\r\n\r\n{"event": '.encode()
        )
        time.sleep(0.2)


class TestSharedSecret:
    def test_two_accounts_with_one_signing_secret_each_get_their_deliveries(
        self, stack: Stack
    ) -> None:
        receipts = [post_signed(stack, message(account_id)) for account_id in (1, 2)]
        assert [(r.status_code, r.json()["status"]) for r in receipts] == [
            (200, "stored"),
            (200, "stored"),
        ]

    def test_a_body_naming_an_account_the_secret_is_not_for_is_refused(self, stack: Stack) -> None:
        assert error_of(post_signed(stack, message(3))) == (401, "unknown_account")

    def test_two_accounts_with_one_url_token_each_get_their_deliveries(self, stack: Stack) -> None:
        receipts = [
            httpx.post(token_url(stack), json=message(account_id, MESSAGE_ID + 1))
            for account_id in (1, 2)
        ]
        assert [(r.status_code, r.json()["status"]) for r in receipts] == [
            (200, "stored"),
            (200, "stored"),
        ]


class TestUrlTokenTimestamp:
    @pytest.mark.parametrize(
        ("timestamp", "refusal"),
        [
            ("999999999999", (401, "stale_timestamp")),
            ("4102444800", (401, "stale_timestamp")),  # 2100-01-01
            (WINDOW_S + 60, (401, "stale_timestamp")),  # seconds from now
            (-(WINDOW_S + 60), (401, "stale_timestamp")),
            ("9" * 40, (400, "malformed_timestamp")),
            ("-1", (400, "malformed_timestamp")),
            ("1e12", (400, "malformed_timestamp")),
            ("1767607200.5", (400, "malformed_timestamp")),
        ],
    )
    def test_an_out_of_range_timestamp_is_refused_with_a_reason(
        self, timestamp: str | int, refusal: tuple[int, str], stack: Stack
    ) -> None:
        if isinstance(timestamp, int):
            timestamp = str(int(time.time()) + timestamp)
        response = httpx.post(
            token_url(stack),
            json=message(1, MESSAGE_ID + 2),
            headers={"x-chatwoot-timestamp": timestamp},
        )
        assert error_of(response) == refusal
        assert response.json()["error"]["field"] == "X-Chatwoot-Timestamp"

    def test_a_far_future_timestamp_cannot_freeze_a_row_against_later_edits(
        self, stack: Stack
    ) -> None:
        now = int(time.time())
        frozen = httpx.post(
            token_url(stack),
            json=message(1, MESSAGE_ID + 3, "from the future"),
            headers={"x-chatwoot-timestamp": "4102444800"},
        )
        edited = httpx.post(
            token_url(stack),
            json=message(1, MESSAGE_ID + 3, "edited now"),
            headers={"x-chatwoot-timestamp": str(now)},
        )
        assert frozen.status_code == 401
        assert (edited.status_code, edited.json()["status"]) == (200, "stored")


def test_the_url_token_never_appears_in_any_log_line(stack: Stack) -> None:
    route = f"/v1/webhooks/chatwoot/{URL_TOKEN}"
    answers = [
        httpx.post(token_url(stack), json=message(1, MESSAGE_ID + 4)),
        httpx.post(token_url(stack), json=message(7, MESSAGE_ID + 4)),
        httpx.post(token_url(stack), json=dict(message(1), id="not-a-number")),
        httpx.post(token_url(stack), content=b"{not json"),
        httpx.post(token_url(stack), content=b"x" * (2 * 1024 * 1024)),
        httpx.post(token_url(stack), json=message(1), headers={"x-chatwoot-timestamp": "x"}),
        *(httpx.post(token_url(stack, guessed), json=message(1)) for guessed in GUESSED_TOKENS),
    ]
    assert [answer.status_code for answer in answers] == [200, 401, 422, 400, 413, 400] + [
        401
    ] * len(GUESSED_TOKENS)
    disconnect_mid_body(stack, route)
    httpx.get(f"{stack.url('ingest')}/healthz")  # the failed request has been handled

    logs = all_logs(stack)
    assert '"webhook_stored"' in logs
    assert '"webhook_refused"' in logs
    assert URL_TOKEN not in logs
    for guessed in GUESSED_TOKENS:
        assert guessed not in logs


def test_a_url_token_shorter_than_32_characters_stops_ingest_with_one_line(
    stack: Stack, tmp_path: Path
) -> None:
    short = secrets.token_hex(15)  # 30 characters
    env = stack.env | {"PARLEY_CHATWOOT_WEBHOOK_URL_TOKENS": json.dumps({"1": short})}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "parley_ingest.main:create_app",
        "--port",
        str(free_port()),
        "--no-access-log",
        "--no-proxy-headers",
    ]
    finished = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 2, output
    naming = [line for line in output.splitlines() if "PARLEY_CHATWOOT_WEBHOOK_URL_TOKENS" in line]
    assert len(naming) == 1, output
    assert naming[0].startswith("parley: invalid settings: PARLEY_CHATWOOT_WEBHOOK_URL_TOKENS")
    assert short not in output
