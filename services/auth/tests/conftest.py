"""Fixtures for the auth service: the app on a real database, a fake Telegram Bot API."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from parley_auth.main import create_app
from parley_auth.settings import AuthSettings
from parley_auth.users.service import UserService
from parley_runtime.provided import provided_object
from parley_schema.models import AppUser
from parley_testing.postgres import free_port
from pydantic import SecretStr
from sqlalchemy.dialects.postgresql import insert

PASSWORD = "correct horse battery"
FOUNDER = "founder"  # the first user of every module database that make_user serves
FAKE_BOT_TOKEN = "123456:fake-bot-token"


@dataclass
class FakeTelegram:
    """A local server speaking the Bot API's documented shape: ``POST /bot<token>/<method>``
    answering ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code", "description"}``."""

    token: str
    port: int
    sent: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    fail_with: int | None = None  # answer every call with this error code

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pins(self) -> list[str]:
        return [m["text"].split("PIN: ")[1].split()[0] for m in self.sent if "PIN: " in m["text"]]

    def answer(self, path: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if self.fail_with is not None:
            return self.fail_with, {
                "ok": False,
                "error_code": self.fail_with,
                "description": "Bad Request: chat not found",
            }
        method = path.removeprefix(prefix)
        if method == "sendMessage":
            self.sent.append(payload)
            message = {
                "message_id": len(self.sent),
                "date": 0,
                "chat": {"id": payload["chat_id"], "type": "private"},
                "text": payload["text"],
            }
            return 200, {"ok": True, "result": message}
        if method == "getUpdates":
            offset = payload.get("offset")
            if offset is not None:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            return 200, {"ok": True, "result": list(self.updates)}
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram(token=FAKE_BOT_TOKEN, port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}")
            status, body = fake.answer(self.path, payload)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", fake.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


def auth_settings_for(database_url: str, amqp_url: str, **overrides: Any) -> AuthSettings:
    """Cheap argon2id parameters so the suite stays fast, and signup PINs in the log when no
    Telegram owner is bound (development); everything else as shipped."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "amqp_url": amqp_url,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 8192,
        "signup_dev_pin_log": True,
        # Every test module shares its database: room for all of its pending signups.
        "signup_pending_limit": 1000,
        **overrides,
    }
    return AuthSettings(**values)


@pytest.fixture
def settings(database_url: str, amqp_url: str) -> AuthSettings:
    return auth_settings_for(database_url, amqp_url)


@pytest.fixture
def telegram_settings(
    database_url: str, amqp_url: str, fake_telegram: FakeTelegram
) -> AuthSettings:
    return auth_settings_for(
        database_url,
        amqp_url,
        telegram_bot_token=SecretStr(fake_telegram.token),
        telegram_api_base_url=fake_telegram.base_url,
        signup_dev_pin_log=False,
    )


def random_address() -> str:
    return "10." + ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))


ClientFactory = Callable[..., Coroutine[Any, Any, httpx.AsyncClient]]


@pytest.fixture
async def running_app(settings: AuthSettings) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


def client_for(app: FastAPI, address: str | None = None) -> httpx.AsyncClient:
    """A client on its own address (so rate limits of other tests never interfere)."""
    transport = httpx.ASGITransport(
        app=app, raise_app_exceptions=False, client=(address or random_address(), 40000)
    )
    return httpx.AsyncClient(transport=transport, base_url="https://auth.test")


@pytest.fixture
async def client(running_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(running_app) as client:
        yield client


@pytest.fixture
def make_user(running_app: FastAPI, unique_name: str) -> Callable[..., Coroutine[Any, Any, str]]:
    counter = iter(range(1000))

    async def make(
        username: str | None = None, password: str = PASSWORD, *, admin: bool = False
    ) -> str:
        """A user, an administrator only with ``admin`` (a founder always exists first, so no
        test's user becomes one by being the module database's first user)."""
        name = username or f"u{next(counter)}-{unique_name[-8:]}"
        async with running_app.state.database.sessionmaker() as session, session.begin():
            await session.execute(
                insert(AppUser)
                .values(username=FOUNDER, password_hash="!", is_admin=True)
                .on_conflict_do_nothing()
            )
            await provided_object(running_app, UserService).create(
                session, username=name, password=password, admin=admin
            )
        return name

    return make


@pytest.fixture
async def another_user(
    running_app: FastAPI, make_user: Callable[..., Coroutine[Any, Any, str]]
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A second signed-in user (no administrator) on a client of their own, and their name."""
    username = await make_user()
    async with client_for(running_app) as client:
        await login(client, username)
        yield client, username


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    """Log ``client`` in; set its CSRF header as a browser page would; return the token."""
    response = await client.post(
        "/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    csrf: str = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = csrf
    return csrf


Login = Callable[..., Coroutine[Any, Any, str]]
SettingsFor = Callable[..., AuthSettings]
ClientFor = Callable[..., httpx.AsyncClient]


@pytest.fixture(name="login")
def login_fixture() -> Login:
    return login


@pytest.fixture(name="client_for")
def client_for_fixture() -> ClientFor:
    return client_for


@pytest.fixture
def settings_for(database_url: str, amqp_url: str) -> SettingsFor:
    def build(**overrides: Any) -> AuthSettings:
        return auth_settings_for(database_url, amqp_url, **overrides)

    return build


@pytest.fixture(name="random_address")
def random_address_fixture() -> Callable[[], str]:
    """An IPv4 address no other test uses, for a client whose rate limits are its own."""
    return random_address


@pytest.fixture
def password() -> str:
    return PASSWORD
