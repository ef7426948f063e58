"""Rate limits shared through Postgres, and no secret in any log line."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from parley_auth.clock import utc_now
from parley_auth.main import create_app
from parley_auth.ratelimits.service import window_start
from parley_auth.settings import AuthSettings
from parley_auth.telegram.repository import telegram_repository
from parley_authn import SESSION_COOKIE
from parley_runtime.provided import provided_object
from parley_schema.models import RateLimitCounter
from prometheus_client import REGISTRY
from sqlalchemy import delete, func, select

MakeUser = Callable[..., Coroutine[Any, Any, str]]
Login = Callable[..., Coroutine[Any, Any, str]]
ClientFor = Callable[..., httpx.AsyncClient]
SettingsFor = Callable[..., AuthSettings]
NewAddress = Callable[[], str]
PASSWORD = "correct horse battery"  # what make_user sets


@pytest.fixture
async def limited_app(settings_for: SettingsFor) -> AsyncIterator[FastAPI]:
    app = create_app(
        settings_for(
            login_limit_per_user_address=3,
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
    async def test_failures_from_one_address_do_not_lock_the_user_out_from_another(
        self,
        limited_app: FastAPI,
        client_for: ClientFor,
        make_user: MakeUser,
        random_address: NewAddress,
    ) -> None:
        username = await make_user()
        async with client_for(limited_app, random_address()) as guesser:
            codes = [await attempt_login(guesser, username, "wrong password!") for _ in range(3)]
            refused = await guesser.post(
                "/v1/auth/login", json={"username": username, "password": PASSWORD}
            )
        assert codes == [401] * 3
        assert (refused.status_code, refused.json()["error"]["code"]) == (429, "rate_limited")
        assert SESSION_COOKIE not in refused.headers.get("set-cookie", "")
        async with client_for(limited_app, random_address()) as user:
            assert await attempt_login(user, username, PASSWORD) == 200

    async def test_per_address_limit_holds_across_usernames(
        self, limited_app: FastAPI, client_for: ClientFor
    ) -> None:
        async with client_for(limited_app) as client:
            codes = [await attempt_login(client, f"nobody{i}", "wrong password") for i in range(6)]
        assert codes == [401] * 5 + [429]

    async def test_an_ipv6_client_is_limited_by_its_64(
        self, limited_app: FastAPI, client_for: ClientFor
    ) -> None:
        site, subnet = secrets.randbelow(65536), secrets.randbelow(65535)
        codes = []
        for host in range(1, 7):  # six addresses of one /64
            address = f"2001:db8:{site:x}:{subnet:x}:{host:x}::{host:x}"
            async with client_for(limited_app, address) as client:
                codes.append(await attempt_login(client, f"v6user{host}", "wrong password"))
        assert codes == [401] * 5 + [429]
        async with client_for(limited_app, f"2001:db8:{site:x}:{subnet + 1:x}::1") as neighbour:
            assert await attempt_login(neighbour, "v6user", "wrong password") == 401

    async def test_made_up_usernames_write_no_more_rows_than_the_address_limit(
        self, limited_app: FastAPI, client_for: ClientFor, random_address: NewAddress
    ) -> None:
        address = random_address()
        async with client_for(limited_app, address) as client:
            for i in range(20):
                await attempt_login(client, f"made-up-{i}", "wrong password")
        async with limited_app.state.database.sessionmaker() as session:
            rows = await session.scalar(
                select(func.count())
                .select_from(RateLimitCounter)
                .where(RateLimitCounter.bucket.like(f"login:%{address}"))
            )
        assert rows == 1 + 5  # the address's bucket, and one per attempt under its limit

    async def test_limits_are_shared_by_replicas_and_reset_with_the_window(
        self,
        limited_app: FastAPI,
        client_for: ClientFor,
        make_user: MakeUser,
        random_address: NewAddress,
    ) -> None:
        username, address = await make_user(), random_address()
        replica = create_app(provided_object(limited_app, AuthSettings))
        async with replica.router.lifespan_context(replica):
            for app in (limited_app, replica, limited_app):
                async with client_for(app, address) as client:
                    assert await attempt_login(client, username, "wrong password!") == 401
            async with client_for(replica, address) as client:
                assert await attempt_login(client, username, PASSWORD) == 429
            window = provided_object(limited_app, AuthSettings).rate_limit_window
            replica.dependency_overrides[utc_now] = lambda: datetime.now(UTC) + window
            async with client_for(replica, address) as client:
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
        confirm = {"request_id": accepted.json()["request_id"], "pin": "00000000"}
        codes = []
        for _ in range(3):
            async with client_for(limited_app) as client:
                response = await client.post("/v1/auth/signup/confirm", json=confirm)
                codes.append(response.status_code)
        assert codes[2] == 429
        assert set(codes[:2]) <= {400, 201}


def dev_pins(caplog: pytest.LogCaptureFixture) -> dict[str, str]:
    """Username to PIN, from the development PIN log lines."""
    return {
        r.msg["username"]: r.msg["pin"]
        for r in caplog.records
        if isinstance(r.msg, dict) and r.msg.get("event") == "signup_pin_dev_only"
    }


class TestWrongPinBudget:
    """At most ``signup_pin_failure_limit`` wrong PINs are evaluated per window, all clients
    and requests together; right PINs do not use the budget up."""

    async def test_the_budget_bounds_parallel_guesses_and_pauses_every_confirmation(
        self,
        settings_for: SettingsFor,
        client_for: ClientFor,
        unique_name: str,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        settings = settings_for(signup_pin_failure_limit=4, signup_pin_ttl_s=3 * 3600)
        window = settings.signup_pin_failure_window
        now = window_start(datetime.now(UTC), window) + window / 2
        app = create_app(settings)
        app.dependency_overrides[utc_now] = lambda: now
        async with app.router.lifespan_context(app):
            async with app.state.database.sessionmaker() as session, session.begin():
                await session.execute(
                    delete(RateLimitCounter).where(RateLimitCounter.bucket.like("budget:%"))
                )
            caplog.set_level(logging.INFO)
            names = [f"{unique_name}-{i}" for i in range(3)]
            requests = {}
            for name in names:
                async with client_for(app) as client:
                    body = {"username": name, "password": "a long enough password"}
                    requests[name] = (await client.post("/v1/auth/signup", json=body)).json()
            pins = dev_pins(caplog)

            async def confirm(name: str, pin: str) -> tuple[int, str | None]:
                async with client_for(app) as client:
                    body = {"request_id": requests[name]["request_id"], "pin": pin}
                    response = await client.post("/v1/auth/signup/confirm", json=body)
                return response.status_code, response.json().get("error", {}).get("code")

            refused_before = refusals("pin_failures")
            assert await confirm(names[0], pins[names[0]]) == (201, None)
            wrong = [
                confirm(name, f"{(int(pins[name]) + 1 + i) % 10**8:08d}")
                for name in names[1:]
                for i in range(4)
            ]
            results = await asyncio.gather(*wrong)
            assert sorted(results) == [(400, "wrong_pin")] * 4 + [(429, "confirmations_paused")] * 4
            assert await confirm(names[1], pins[names[1]]) == (429, "confirmations_paused")
            assert refusals("pin_failures") - refused_before == 5
            spent = [
                r.msg
                for r in caplog.records
                if isinstance(r.msg, dict) and r.msg.get("event") == "failure_budget_spent"
            ]
            assert len(spent) == 1
            assert spent[0]["budget"] == "pin_failures"
            app.dependency_overrides[utc_now] = lambda: now + window
            assert await confirm(names[2], pins[names[2]]) == (201, None)


def refusals(limit: str) -> float:
    return REGISTRY.get_sample_value("parley_auth_refusals_total", {"limit": limit}) or 0.0


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
