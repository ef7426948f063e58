"""Signup with a PIN sent to the owner through (a local fake of) the Telegram Bot API."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from parley_auth.clock import utc_now
from parley_auth.main import create_app
from parley_auth.settings import AuthSettings
from parley_auth.telegram.repository import OWNER_CHAT_KEY, telegram_repository
from parley_auth.telegram.service import TelegramService
from parley_runtime.provided import provided_object
from parley_schema.models import AppSetting, SignupRequest
from sqlalchemy import delete, func, select

MakeUser = Callable[..., Coroutine[Any, Any, str]]
Login = Callable[..., Coroutine[Any, Any, str]]
ClientFor = Callable[..., httpx.AsyncClient]
SettingsFor = Callable[..., AuthSettings]
PASSWORD = "a long enough password"
OWNER_CHAT = 424242


@pytest.fixture
async def telegram_app(telegram_settings: AuthSettings) -> AsyncIterator[FastAPI]:
    app = create_app(telegram_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def bound_app(telegram_app: FastAPI) -> FastAPI:
    async with telegram_app.state.database.sessionmaker() as session, session.begin():
        await telegram_repository.set_owner_chat_id(session, OWNER_CHAT)
    return telegram_app


@pytest.fixture
async def signup_client(
    bound_app: FastAPI, client_for: ClientFor
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(bound_app) as client:
        yield client


async def request_signup(client: httpx.AsyncClient, username: str) -> str:
    response = await client.post(
        "/v1/auth/signup", json={"username": username, "password": PASSWORD}
    )
    assert response.status_code == 202, response.text
    request_id: str = response.json()["request_id"]
    return request_id


async def stored_request(app: FastAPI, request_id: str) -> SignupRequest | None:
    async with app.state.database.sessionmaker() as session:
        request: SignupRequest | None = await session.scalar(
            select(SignupRequest).where(SignupRequest.id == request_id)
        )
        return request


class TestOwnerBinding:
    async def test_start_code_binds_the_owner_chat(
        self, telegram_app: FastAPI, fake_telegram: Any
    ) -> None:
        fake_telegram.updates = [
            {"update_id": 7, "message": {"text": "hello", "chat": {"id": 1}}},
            {"update_id": 8, "message": {"text": "/start c0ffee01", "chat": {"id": OWNER_CHAT}}},
        ]
        async with telegram_app.state.database.sessionmaker() as session, session.begin():
            chat_id = await provided_object(telegram_app, TelegramService).bind_with_code(
                session, "c0ffee01", wait_s=3
            )
        assert chat_id == OWNER_CHAT
        async with telegram_app.state.database.sessionmaker() as session:
            value = await session.scalar(
                select(AppSetting.value).where(AppSetting.key == "telegram_owner_chat_id")
            )
        assert value == str(OWNER_CHAT)
        assert fake_telegram.sent[-1]["chat_id"] == OWNER_CHAT
        assert fake_telegram.updates == []  # consumed updates were confirmed

    async def test_binding_without_the_code_times_out(
        self, telegram_app: FastAPI, fake_telegram: Any
    ) -> None:
        fake_telegram.updates = [
            {"update_id": 1, "message": {"text": "/start wrong", "chat": {"id": 5}}}
        ]
        async with telegram_app.state.database.sessionmaker() as session:
            with pytest.raises(Exception, match="no /start message"):
                await provided_object(telegram_app, TelegramService).bind_with_code(
                    session, "right", wait_s=0.5
                )

    async def test_signup_is_closed_until_the_owner_binds(
        self, telegram_app: FastAPI, client_for: ClientFor, unique_name: str, fake_telegram: Any
    ) -> None:
        async with telegram_app.state.database.sessionmaker() as session, session.begin():
            await session.execute(delete(AppSetting).where(AppSetting.key == OWNER_CHAT_KEY))
        async with client_for(telegram_app) as client:
            response = await client.post(
                "/v1/auth/signup", json={"username": unique_name, "password": PASSWORD}
            )
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "signup_unavailable"
        assert fake_telegram.sent == []
        async with telegram_app.state.database.sessionmaker() as session:
            rows = await session.scalars(
                select(SignupRequest).where(SignupRequest.username == unique_name)
            )
            assert rows.all() == []


class TestSignup:
    async def test_pin_reaches_the_owner_and_only_hashes_are_stored(
        self,
        signup_client: httpx.AsyncClient,
        bound_app: FastAPI,
        fake_telegram: Any,
        unique_name: str,
    ) -> None:
        request_id = await request_signup(signup_client, unique_name)
        [message] = fake_telegram.sent
        assert message["chat_id"] == OWNER_CHAT
        assert unique_name in message["text"]
        [pin] = fake_telegram.pins()
        assert len(pin) == 8
        assert pin.isdigit()
        stored = await stored_request(bound_app, request_id)
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert pin not in stored.pin_hash
        assert len(stored.pin_salt) == 32
        assert PASSWORD not in stored.password_hash
        assert stored.expires_at > datetime.now(UTC) + timedelta(minutes=14)

    async def test_confirming_creates_the_user_once(
        self,
        signup_client: httpx.AsyncClient,
        fake_telegram: Any,
        unique_name: str,
        login: Login,
    ) -> None:
        request_id = await request_signup(signup_client, unique_name)
        [pin] = fake_telegram.pins()
        body = {"request_id": request_id, "pin": pin}
        confirmed = await signup_client.post("/v1/auth/signup/confirm", json=body)
        assert confirmed.status_code == 201
        assert confirmed.json()["username"] == unique_name
        again = await signup_client.post("/v1/auth/signup/confirm", json=body)
        assert (again.status_code, again.json()["error"]["code"]) == (409, "signup_used")
        await login(signup_client, unique_name, PASSWORD)

    async def test_five_wrong_pins_kill_the_request(
        self,
        signup_client: httpx.AsyncClient,
        fake_telegram: Any,
        unique_name: str,
        bound_app: FastAPI,
    ) -> None:
        request_id = await request_signup(signup_client, unique_name)
        [pin] = fake_telegram.pins()
        wrong = f"{(int(pin) + 1) % 10**8:08d}"
        for remaining in (4, 3, 2, 1, 0):
            response = await signup_client.post(
                "/v1/auth/signup/confirm", json={"request_id": request_id, "pin": wrong}
            )
            assert response.status_code == 400
            assert response.json()["error"]["field"] == "pin"
            assert f"{remaining} attempts left" in response.json()["error"]["message"]
        right = await signup_client.post(
            "/v1/auth/signup/confirm", json={"request_id": request_id, "pin": pin}
        )
        assert (right.status_code, right.json()["error"]["code"]) == (410, "signup_locked")
        stored = await stored_request(bound_app, request_id)
        assert stored is not None
        assert (stored.attempt_count, stored.used_at) == (5, None)

    async def test_parallel_guesses_cannot_exceed_the_attempt_limit(
        self,
        bound_app: FastAPI,
        client_for: ClientFor,
        fake_telegram: Any,
        unique_name: str,
    ) -> None:
        async with client_for(bound_app) as client:
            request_id = await request_signup(client, unique_name)
            [pin] = fake_telegram.pins()
            wrong = f"{(int(pin) + 1) % 10**8:08d}"
            responses = await asyncio.gather(
                *(
                    client.post(
                        "/v1/auth/signup/confirm", json={"request_id": request_id, "pin": wrong}
                    )
                    for _ in range(8)
                )
            )
        codes = sorted(r.status_code for r in responses)
        assert codes == [400] * 5 + [410] * 3
        stored = await stored_request(bound_app, request_id)
        assert stored is not None
        assert stored.attempt_count == 5

    async def test_expired_request_fails_clearly(
        self,
        signup_client: httpx.AsyncClient,
        bound_app: FastAPI,
        fake_telegram: Any,
        unique_name: str,
    ) -> None:
        request_id = await request_signup(signup_client, unique_name)
        [pin] = fake_telegram.pins()
        later = datetime.now(UTC) + provided_object(bound_app, AuthSettings).signup_pin_ttl
        bound_app.dependency_overrides[utc_now] = lambda: later
        try:
            response = await signup_client.post(
                "/v1/auth/signup/confirm", json={"request_id": request_id, "pin": pin}
            )
        finally:
            bound_app.dependency_overrides.clear()
        assert (response.status_code, response.json()["error"]["code"]) == (410, "signup_expired")

    async def test_unknown_request_is_404(self, signup_client: httpx.AsyncClient) -> None:
        response = await signup_client.post(
            "/v1/auth/signup/confirm",
            json={"request_id": "00000000-0000-4000-8000-000000000000", "pin": "12345678"},
        )
        assert (response.status_code, response.json()["error"]["code"]) == (
            404,
            "signup_not_found",
        )

    async def test_taken_username_gets_the_same_answer_but_no_pin(
        self,
        signup_client: httpx.AsyncClient,
        fake_telegram: Any,
        make_user: MakeUser,
    ) -> None:
        taken = await make_user()
        response = await signup_client.post(
            "/v1/auth/signup", json={"username": taken, "password": PASSWORD}
        )
        assert response.status_code == 202
        assert set(response.json()) == {"request_id", "expires_at"}
        assert fake_telegram.sent == []

    async def test_telegram_failure_stores_nothing(
        self,
        signup_client: httpx.AsyncClient,
        fake_telegram: Any,
        bound_app: FastAPI,
        unique_name: str,
    ) -> None:
        fake_telegram.fail_with = 400
        response = await signup_client.post(
            "/v1/auth/signup", json={"username": unique_name, "password": PASSWORD}
        )
        assert (response.status_code, response.json()["error"]["code"]) == (
            503,
            "telegram_unavailable",
        )
        async with bound_app.state.database.sessionmaker() as session:
            rows = await session.scalars(
                select(SignupRequest).where(SignupRequest.username == unique_name)
            )
            assert rows.all() == []

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"username": "ab", "password": PASSWORD}, "username"),
            ({"username": "has space", "password": PASSWORD}, "username"),
            ({"username": "fine-name", "password": "short"}, "password"),
            ({"username": "fine-name"}, "password"),
        ],
    )
    async def test_bad_signup_bodies_are_422_naming_the_field(
        self, signup_client: httpx.AsyncClient, body: dict[str, Any], field: str
    ) -> None:
        response = await signup_client.post("/v1/auth/signup", json=body)
        assert (response.status_code, response.json()["error"]["field"]) == (422, field)

    @pytest.mark.parametrize("pin", ["123456", "1234567", "123456789", "1234a678", ""])
    async def test_malformed_pin_is_422(self, signup_client: httpx.AsyncClient, pin: str) -> None:
        response = await signup_client.post(
            "/v1/auth/signup/confirm",
            json={"request_id": "00000000-0000-4000-8000-000000000000", "pin": pin},
        )
        assert (response.status_code, response.json()["error"]["field"]) == (422, "pin")


class TestWithoutTelegram:
    async def test_pin_goes_to_the_log_marked_dev_only(
        self,
        running_app: FastAPI,
        client: httpx.AsyncClient,
        unique_name: str,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.INFO)
        request_id = await request_signup(client, unique_name)
        [record] = [
            r.msg
            for r in caplog.records
            if isinstance(r.msg, dict) and r.msg.get("event") == "signup_pin_dev_only"
        ]
        assert record["username"] == unique_name
        assert record["note"].startswith("PARLEY_SIGNUP_DEV_PIN_LOG is on")
        assert len(record["pin"]) == 8
        confirmed = await client.post(
            "/v1/auth/signup/confirm", json={"request_id": request_id, "pin": record["pin"]}
        )
        assert confirmed.status_code == 201

    async def test_without_telegram_or_the_dev_flag_signup_is_closed_for_every_username(
        self,
        settings_for: SettingsFor,
        client_for: ClientFor,
        make_user: MakeUser,
        unique_name: str,
    ) -> None:
        app = create_app(settings_for(signup_dev_pin_log=False))
        async with app.router.lifespan_context(app), client_for(app) as client:
            taken = await make_user()
            for username in (unique_name, taken):  # a taken name is not told apart either
                response = await client.post(
                    "/v1/auth/signup", json={"username": username, "password": PASSWORD}
                )
                assert (response.status_code, response.json()["error"]["code"]) == (
                    503,
                    "signup_unavailable",
                )
            async with app.state.database.sessionmaker() as session:
                rows = await session.scalars(
                    select(SignupRequest).where(SignupRequest.username == unique_name)
                )
                assert rows.all() == []


class TestPendingLimit:
    async def test_past_the_pending_limit_signup_answers_429_until_one_is_used(
        self, running_app: FastAPI, settings_for: SettingsFor, client_for: ClientFor
    ) -> None:
        async with running_app.state.database.sessionmaker() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(SignupRequest)
                .where(SignupRequest.used_at.is_(None), SignupRequest.expires_at > func.now())
            )
        assert pending is not None
        app = create_app(settings_for(signup_pending_limit=pending + 2))
        codes = []
        async with app.router.lifespan_context(app):
            for i in range(3):
                async with client_for(app) as client:
                    response = await client.post(
                        "/v1/auth/signup",
                        json={"username": f"pending-{i}-{pending}", "password": PASSWORD},
                    )
                codes.append((response.status_code, response.json().get("error", {}).get("code")))
        assert codes == [(202, None), (202, None), (429, "too_many_pending_signups")]
