"""Rate limits shared through Postgres, and no secret in any log line."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from parley_auth.clock import utc_now
from parley_auth.main import create_app
from parley_auth.settings import AuthSettings
from parley_auth.telegram.repository import telegram_repository
from parley_authn import SESSION_COOKIE
from parley_runtime.provided import provided_object

MakeUser = Callable[..., Coroutine[Any, Any, str]]
Login = Callable[..., Coroutine[Any, Any, str]]
ClientFor = Callable[..., httpx.AsyncClient]
SettingsFor = Callable[..., AuthSettings]
PASSWORD = "correct horse battery"  # what make_user sets


@pytest.fixture
async def limited_app(settings_for: SettingsFor) -> AsyncIterator[FastAPI]:
    app = create_app(
        settings_for(
            login_limit_per_user=3,
            login_limit_per_address=5,
            signup_limit_per_user=2,
            signup_limit_per_address=3,
            confirm_limit_per_user=2,
            confirm_limit_per_address=3,
        )
    )
    async with app.router.lifespan_context(app):
        yield app


async def attempt_login(client: httpx.AsyncClient, username: str, password: str) -> int:
    response = await client.post(
        "/v1/auth/login", json={"username": username, "password": password}
    )
    return response.status_code


class TestLoginLimits:
    async def test_per_username_limit_holds_across_addresses_even_for_the_right_password(
        self, limited_app: FastAPI, client_for: ClientFor, make_user: MakeUser
    ) -> None:
        username = await make_user()
        for _ in range(3):
            async with client_for(limited_app) as client:
                assert await attempt_login(client, username, "wrong password!") == 401
        async with client_for(limited_app) as client:
            response = await client.post(
                "/v1/auth/login", json={"username": username, "password": PASSWORD}
            )
        assert response.status_code == 429
        assert response.json()["error"]["code"] == "rate_limited"
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")

    async def test_per_address_limit_holds_across_usernames(
        self, limited_app: FastAPI, client_for: ClientFor
    ) -> None:
        async with client_for(limited_app) as client:
            codes = [await attempt_login(client, f"nobody{i}", "wrong password") for i in range(6)]
        assert codes == [401] * 5 + [429]

    async def test_limits_are_shared_by_replicas_and_reset_with_the_window(
        self,
        limited_app: FastAPI,
        settings_for: SettingsFor,
        client_for: ClientFor,
        make_user: MakeUser,
    ) -> None:
        username = await make_user()
        replica = create_app(provided_object(limited_app, AuthSettings))
        async with replica.router.lifespan_context(replica):
            for app in (limited_app, replica, limited_app):
                async with client_for(app) as client:
                    assert await attempt_login(client, username, "wrong password!") == 401
            async with client_for(replica) as client:
                assert await attempt_login(client, username, PASSWORD) == 429
            window = provided_object(limited_app, AuthSettings).rate_limit_window
            replica.dependency_overrides[utc_now] = lambda: datetime.now(UTC) + window
            async with client_for(replica) as client:
                assert await attempt_login(client, username, PASSWORD) == 200


class TestSignupLimits:
    async def test_signup_is_limited_per_username_and_per_address(
        self, limited_app: FastAPI, client_for: ClientFor, unique_name: str
    ) -> None:
        body = {"username": unique_name, "password": "a long enough password"}
        codes = []
        for _ in range(3):
            async with client_for(limited_app) as client:
                codes.append((await client.post("/v1/auth/signup", json=body)).status_code)
        assert codes == [202, 202, 429]
        async with client_for(limited_app) as client:
            codes = [
                (
                    await client.post(
                        "/v1/auth/signup",
                        json={"username": f"{unique_name}{i}", "password": "a long password"},
                    )
                ).status_code
                for i in range(4)
            ]
        assert codes == [202, 202, 202, 429]

    async def test_pin_confirmation_is_limited_per_signup_username(
        self, limited_app: FastAPI, client_for: ClientFor, unique_name: str
    ) -> None:
        async with client_for(limited_app) as client:
            accepted = await client.post(
                "/v1/auth/signup",
                json={"username": unique_name, "password": "a long enough password"},
            )
        confirm = {"request_id": accepted.json()["request_id"], "pin": "000000"}
        codes = []
        for _ in range(3):
            async with client_for(limited_app) as client:
                response = await client.post("/v1/auth/signup/confirm", json=confirm)
                codes.append(response.status_code)
        assert codes[2] == 429
        assert set(codes[:2]) <= {400, 201}


@pytest.fixture
async def telegram_app(telegram_settings: AuthSettings) -> AsyncIterator[FastAPI]:
    """Built before the test runs, so pytest's log capture is installed after ``configure``."""
    app = create_app(telegram_settings)
    async with app.router.lifespan_context(app):
        yield app


class TestNoSecretsInLogs:
    async def test_a_full_flow_logs_no_password_pin_token_cookie_or_bot_token(
        self,
        telegram_app: FastAPI,
        client_for: ClientFor,
        fake_telegram: Any,
        unique_name: str,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.DEBUG)
        app = telegram_app
        password = "a very secret passphrase"
        async with client_for(app) as client:
            async with app.state.database.sessionmaker() as session, session.begin():
                await telegram_repository.set_owner_chat_id(session, 99)
            request_id = (
                await client.post(
                    "/v1/auth/signup", json={"username": unique_name, "password": password}
                )
            ).json()["request_id"]
            [pin] = fake_telegram.pins()
            confirm = {"request_id": request_id, "pin": pin}
            assert (await client.post("/v1/auth/signup/confirm", json=confirm)).status_code == 201
            await client.post("/v1/auth/login", json={"username": unique_name, "password": "bad"})
            login = await client.post(
                "/v1/auth/login", json={"username": unique_name, "password": password}
            )
            csrf = login.json()["csrf_token"]
            client.headers["X-CSRF-Token"] = csrf
            cookie = client.cookies[SESSION_COOKIE]
            project = (await client.post("/v1/auth/projects", json={"name": "p"})).json()
            token = (
                await client.post(f"/v1/auth/projects/{project['id']}/tokens", json={"name": "t"})
            ).json()["token"]
            await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
            await client.post("/v1/auth/logout")
        logged = "\n".join(
            f"{record.getMessage()} {record.msg!r} {record.args!r}" for record in caplog.records
        )
        assert "signup_confirmed" in logged  # the flow was logged at all
        for secret in (password, pin, token, cookie, csrf, fake_telegram.token):
            assert secret not in logged
