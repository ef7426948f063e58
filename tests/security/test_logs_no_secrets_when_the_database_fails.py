"""Issue 17, item 5: when requests fail (the database stopped under them), the services answer
5xx promptly and no log line holds a secret or a customer's words.

The stack runs on a Postgres of this module's own, so the test may stop it. Requests that
carry every kind of secret go in before the stop (they succeed), while it stops (in flight)
and after it (refused connections): message text, a contact's email, a signup password and
PIN, a webhook URL token and signing secret, a session cookie and CSRF token, an API token,
a login password, the Telegram bot token and the database's own password. Then every line
of every process's log is searched for each of them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from parley_auth.telegram.repository import telegram_repository
from parley_cli.client import create_user, provision_token
from parley_devstack.embedded_db import EPHEMERAL_OPTIONS, EmbeddedDatabase
from parley_simulator.delivery import WEBHOOK_PATH, encode
from parley_simulator.model import Account, Agent, Contact, Conversation, Inbox, Message
from parley_simulator.payloads import message_event
from parley_simulator.signing import signed_headers
from parley_testing.postgres import clone_template, create_template, free_port, run_async
from parley_testing.stack import Stack
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

BOT_TOKEN = f"4242:{secrets.token_urlsafe(24)}"
URL_TOKEN = secrets.token_urlsafe(32)
OWNER_CHAT_ID = 4242
TIMEOUT_S = 30.0  # a request answers well within this, or the service hangs
IN_FLIGHT = 12  # requests sent while the server stops
_ids = itertools.count(910_000)


@dataclass
class FakeTelegram:
    """The Bot API's documented reply shape; keeps the PINs it is asked to send."""

    port: int = field(default_factory=free_port)
    texts: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def last_pin(self) -> str:
        found = re.search(r"PIN: (\d+)", self.texts[-1])
        assert found, self.texts[-1]
        return found[1]


@pytest.fixture(scope="module")
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"] or 0)))
            if self.path == f"/bot{BOT_TOKEN}/sendMessage":
                fake.texts.append(str(payload["text"]))
                result: Any = {"message_id": len(fake.texts), "date": 0, "text": payload["text"]}
                result["chat"] = {"id": payload["chat_id"], "type": "private"}
                body = {"ok": True, "result": result}
            else:
                body = {"ok": False, "error_code": 404, "description": "Not Found"}
            data = json.dumps(body).encode()
            self.send_response(200 if body["ok"] else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", fake.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def private_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedDatabase]:
    """A server of this module's own: the test stops it under the running services."""
    server = EmbeddedDatabase(
        Path(tmp_path_factory.mktemp("pg")), free_port(), options=EPHEMERAL_OPTIONS
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def database_url(private_postgres: EmbeddedDatabase) -> str:
    """Overrides the worker's shared database: a migrated clone on the private server."""
    create_template(private_postgres)
    return private_postgres.url(run_async(lambda: clone_template(private_postgres)))


@pytest.fixture(scope="module")
def stack_settings(fake_telegram: FakeTelegram) -> dict[str, str]:
    return {
        "PARLEY_LOG_LEVEL": "DEBUG",  # the most a service ever logs
        "PARLEY_TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "PARLEY_TELEGRAM_API_BASE_URL": fake_telegram.base_url,
        "PARLEY_CHATWOOT_WEBHOOK_URL_TOKENS": json.dumps({"1": URL_TOKEN}),
        "PARLEY_ARGON2_TIME_COST": "1",
        "PARLEY_ARGON2_MEMORY_KIB": "8192",
    }


class Secrets:
    """Every value that must never appear in a log line, by what it is."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def new(self, kind: str, value: str | None = None) -> str:
        value = value or secrets.token_urlsafe(18)
        self.values[f"{kind} #{len(self.values)}"] = value
        return value

    def found_in(self, line: str) -> list[str]:
        return [
            kind
            for kind, value in self.values.items()
            if value in line or quote(value, safe="") in line
        ]


def _conversation(found: Secrets) -> Conversation:
    contact_id = next(_ids)
    email = found.new("contact email", f"pii-{secrets.token_hex(6)}@customer.example")
    return Conversation(
        account=Account(1, "Account 1"),
        inbox=Inbox(11, "Website chat"),
        display_id=next(_ids),
        contact=Contact(contact_id, "Dana Example", email, None),
        assignee=Agent(1, "Maya Lindqvist", "maya@support.example"),
        topic="logs",
        language="en",
        created_at=datetime.now(UTC),
    )


def _message_body(found: Secrets) -> bytes:
    conversation = _conversation(found)
    words = found.new("message text", f"invoice-{secrets.token_hex(8)}")
    message = Message(
        next(_ids),
        f"My card was charged twice, see {words}.",
        datetime.now(UTC),
        incoming=True,
        sender=conversation.contact,
    )
    return encode(message_event("message_created", conversation, message))


def _requests(
    stack: Stack, found: Secrets, state: dict[str, str]
) -> list[tuple[str, str, dict[str, Any]]]:
    """(service, path, httpx request options) of one round carrying every kind of secret."""
    signed = _message_body(found)
    unsigned = _message_body(found)
    cookies = {"parley_session": state["cookie"]}
    csrf = {"X-CSRF-Token": state["csrf"]}
    bearer = {"Authorization": f"Bearer {state['api_token']}"}
    secret = stack.webhook_secrets[1]
    return [
        ("ingest", WEBHOOK_PATH, {"content": signed, "headers": signed_headers(secret, signed)}),
        (
            "ingest",
            f"{WEBHOOK_PATH}/{URL_TOKEN}",
            {
                "content": unsigned,
                "headers": {
                    "Content-Type": "application/json",
                    "X-Chatwoot-Delivery": str(uuid.uuid4()),
                    "X-Chatwoot-Timestamp": str(int(datetime.now(UTC).timestamp())),
                },
            },
        ),
        (
            "auth",
            "/v1/auth/signup",
            {
                "json": {
                    "username": f"signup-{secrets.token_hex(4)}",
                    "password": found.new("signup password"),
                }
            },
        ),
        (
            "auth",
            "/v1/auth/signup/confirm",
            {"json": {"request_id": state["pending_signup"], "pin": state["pending_pin"]}},
        ),
        (
            "auth",
            "/v1/auth/login",
            {"json": {"username": "logs-admin", "password": state["password"]}},
        ),
        ("auth", "/v1/auth/me", {"method": "GET", "cookies": cookies}),
        (
            "auth",
            f"/v1/auth/projects/{state['project_id']}/tokens",
            {"json": {"name": f"t-{secrets.token_hex(3)}"}, "cookies": cookies, "headers": csrf},
        ),
        ("search-api", "/v1/search", {"json": {"q": "charged twice"}, "headers": bearer}),
        (  # an agent looking a customer up by email: PII in the query string
            "search-api",
            "/v1/search",
            {
                "method": "GET",
                "params": {
                    "q": found.new("searched email", f"who-{secrets.token_hex(6)}@x.example")
                },
                "cookies": cookies,
            },
        ),
    ]


async def _send(stack: Stack, service: str, path: str, options: dict[str, Any]) -> tuple[str, int]:
    options = dict(options)
    method = options.pop("method", "POST")
    cookies = options.pop("cookies", None)
    async with httpx.AsyncClient(
        base_url=stack.url(service), timeout=TIMEOUT_S, cookies=cookies
    ) as client:
        response = await client.request(method, path, **options)
    return f"{method} {service}{path.replace(URL_TOKEN, '{token}')}", response.status_code


async def _set_up(
    stack: Stack, found: Secrets, telegram: FakeTelegram, database_url: str
) -> dict[str, str]:
    """An admin with a session and an API token, an owner bound to (fake) Telegram, and a
    signup waiting for its PIN; every secret of it recorded."""
    password = found.new("login password")
    await create_user(stack.env, "logs-admin", password)
    engine = create_async_engine(database_url)
    try:
        async with AsyncSession(engine) as session, session.begin():
            await telegram_repository.set_owner_chat_id(session, OWNER_CHAT_ID)
    finally:
        await engine.dispose()
    api_token = found.new(
        "API token",
        await provision_token(
            stack.url("auth"),
            username="logs-admin",
            password=password,
            project="logs",
            account_ids=[1],
        ),
    )
    async with httpx.AsyncClient(base_url=stack.url("auth"), timeout=TIMEOUT_S) as auth:
        login = await auth.post(
            "/v1/auth/login", json={"username": "logs-admin", "password": password}
        )
        login.raise_for_status()
        csrf = found.new("CSRF token", login.json()["csrf_token"])
        cookie = found.new("session cookie", auth.cookies["parley_session"])
        projects = (await auth.get("/v1/auth/projects")).json()
        project_id = next(p["id"] for p in projects if p["name"] == "logs")
        active = await auth.put(
            "/v1/auth/session/active-project",
            json={"project_id": project_id},
            headers={"X-CSRF-Token": csrf},
        )
        active.raise_for_status()
        signup = await auth.post(
            "/v1/auth/signup",
            json={"username": "logs-pending", "password": found.new("signup password")},
        )
        signup.raise_for_status()
    return {
        "password": password,
        "api_token": api_token,
        "csrf": csrf,
        "cookie": cookie,
        "project_id": project_id,
        "pending_signup": signup.json()["request_id"],
        "pending_pin": found.new("signup PIN", telegram.last_pin()),
    }


async def test_a_stopped_database_gives_prompt_5xx_and_no_log_line_holds_a_secret(
    stack: Stack,
    private_postgres: EmbeddedDatabase,
    fake_telegram: FakeTelegram,
    database_url: str,
) -> None:
    found = Secrets()
    found.new("database password", private_postgres.password())
    found.new("Telegram bot token", BOT_TOKEN)
    found.new("webhook URL token", URL_TOKEN)
    found.new("webhook signing secret", stack.webhook_secrets[1])
    state = await _set_up(stack, found, fake_telegram, database_url)

    before = [
        await _send(stack, *request)
        for request in _requests(stack, found, state)
        if request[1] != "/v1/auth/signup/confirm"  # keep the pending PIN for later
    ]
    assert all(status < 500 for _, status in before), before

    # Stop the server while requests are under way, then keep asking.
    in_flight = [
        asyncio.create_task(_send(stack, *request))
        for request in itertools.islice(itertools.cycle(_requests(stack, found, state)), IN_FLIGHT)
    ]
    await asyncio.to_thread(private_postgres.stop)
    during = await asyncio.gather(*in_flight)
    after = [await _send(stack, *request) for request in _requests(stack, found, state)]
    assert all(500 <= status < 600 for _, status in after), after
    # In flight: answered before the stop, or failed with it; never refused as bad input.
    assert not [(what, s) for what, s in during if 400 <= s < 500], during

    lines = [
        (path.name, line)
        for path in sorted(stack.logs.glob("*.log"))
        for line in path.read_text(errors="replace").splitlines()
    ]
    for service in ("ingest", "search-api", "auth"):
        assert any(
            name == f"{service}.log" and '"level": "error"' in line for name, line in lines
        ), f"{service} logged no error: the failure path was not exercised"
    leaks = [
        f"{name}: {', '.join(kinds)}: {line[:300]}"
        for name, line in lines
        if (kinds := found.found_in(line))
    ]
    assert not leaks, "secrets in the logs:\n" + "\n".join(leaks)
