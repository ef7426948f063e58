"""Login, cookies, /me, logout, logout-all, idle and absolute expiry, CSRF."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from parley_auth.clock import utc_now
from parley_auth.main import create_app
from parley_auth.settings import AuthSettings
from parley_authn import CSRF_COOKIE, SESSION_COOKIE, hash_secret
from parley_runtime.provided import provided_object
from parley_schema.models import Session
from sqlalchemy import select

MakeUser = Callable[..., Coroutine[Any, Any, str]]
Login = Callable[..., Coroutine[Any, Any, str]]
ClientFor = Callable[..., httpx.AsyncClient]
SettingsFor = Callable[..., AuthSettings]
PASSWORD = "correct horse battery"  # what make_user sets


class TestLogin:
    async def test_login_sets_a_hardened_cookie_and_stores_only_its_hash(
        self, client: httpx.AsyncClient, make_user: MakeUser, running_app: FastAPI
    ) -> None:
        username = await make_user()
        response = await client.post(
            "/v1/auth/login", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200
        cookies = response.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookies if c.startswith(f"{SESSION_COOKIE}="))
        attributes = {a.strip().lower() for a in session_cookie.split(";")}
        assert {"httponly", "secure", "samesite=lax", "path=/"} <= attributes
        csrf_cookie = next(c for c in cookies if c.startswith(f"{CSRF_COOKIE}="))
        assert "httponly" not in csrf_cookie.lower()
        secret = client.cookies[SESSION_COOKIE]
        async with running_app.state.database.sessionmaker() as session:
            stored = set(await session.scalars(select(Session.session_id)))
        assert hash_secret(secret) in stored
        assert secret not in stored

    async def test_username_is_case_insensitive(
        self, client: httpx.AsyncClient, make_user: MakeUser, login: Login
    ) -> None:
        username = await make_user()
        await login(client, username.upper())
        assert (await client.get("/v1/auth/me")).json()["user"]["username"] == username

    async def test_unknown_user_and_wrong_password_get_identical_answers(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        username = await make_user()
        wrong = await client.post(
            "/v1/auth/login", json={"username": username, "password": "not the password"}
        )
        unknown = await client.post(
            "/v1/auth/login", json={"username": "nobody-here", "password": "not the password"}
        )
        assert wrong.status_code == unknown.status_code == 401
        assert wrong.json() == unknown.json()
        assert wrong.json()["error"]["code"] == "invalid_credentials"
        assert "set-cookie" not in wrong.headers
        assert "set-cookie" not in unknown.headers

    @pytest.mark.parametrize("username", ["nul\x00byte", "", "x" * 65])
    async def test_malformed_usernames_are_422_not_a_lookup(
        self, client: httpx.AsyncClient, username: str
    ) -> None:
        response = await client.post(
            "/v1/auth/login", json={"username": username, "password": "whatever"}
        )
        assert (response.status_code, response.json()["error"]["field"]) == (422, "username")

    async def test_cookie_secure_flag_follows_the_setting(
        self, make_user: MakeUser, client_for: ClientFor, settings_for: SettingsFor
    ) -> None:
        app = create_app(settings_for(cookie_secure=False))
        username = await make_user()
        async with app.router.lifespan_context(app), client_for(app) as client:
            response = await client.post(
                "/v1/auth/login", json={"username": username, "password": PASSWORD}
            )
        assert response.status_code == 200
        assert all("secure" not in c.lower() for c in response.headers.get_list("set-cookie"))


class TestMe:
    async def test_me_needs_credentials(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/auth/me")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"

    async def test_me_describes_the_session(
        self, client: httpx.AsyncClient, make_user: MakeUser, login: Login
    ) -> None:
        username = await make_user()
        await login(client, username)
        body = (await client.get("/v1/auth/me")).json()
        assert body["user"]["username"] == username
        assert (body["credential"], body["project_id"], body["role"]) == ("session", None, None)

    async def test_forged_cookie_is_rejected(self, client: httpx.AsyncClient) -> None:
        client.cookies.set(SESSION_COOKIE, "forged-value", domain="auth.test")
        assert (await client.get("/v1/auth/me")).status_code == 401


class TestLogout:
    async def test_logout_ends_the_session_and_clears_the_cookie(
        self, client: httpx.AsyncClient, make_user: MakeUser, login: Login
    ) -> None:
        await login(client, await make_user())
        secret = client.cookies[SESSION_COOKIE]
        response = await client.post("/v1/auth/logout")
        assert response.status_code == 204
        assert any(
            c.startswith(f"{SESSION_COOKIE}=") for c in response.headers.get_list("set-cookie")
        )
        client.cookies.set(SESSION_COOKIE, secret, domain="auth.test")
        assert (await client.get("/v1/auth/me")).status_code == 401

    async def test_logout_all_ends_every_session_of_the_user_only(
        self, running_app: FastAPI, make_user: MakeUser, login: Login, client_for: ClientFor
    ) -> None:
        username, other = await make_user(), await make_user()
        async with (
            client_for(running_app) as laptop,
            client_for(running_app) as phone,
            client_for(running_app) as someone_else,
        ):
            await login(laptop, username)
            await login(phone, username)
            await login(someone_else, other)
            assert (await laptop.post("/v1/auth/logout-all")).status_code == 204
            assert (await phone.get("/v1/auth/me")).status_code == 401
            assert (await someone_else.get("/v1/auth/me")).status_code == 200


class TestExpiry:
    async def test_idle_session_expires(
        self, running_app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser, login: Login
    ) -> None:
        await login(client, await make_user())
        idle = provided_object(running_app, AuthSettings).session_idle_ttl
        running_app.dependency_overrides[utc_now] = lambda: datetime.now(UTC) + idle / 2
        try:
            assert (await client.get("/v1/auth/me")).status_code == 200  # touches last_seen
            later = datetime.now(UTC) + idle / 2 + idle - timedelta(minutes=1)
            running_app.dependency_overrides[utc_now] = lambda: later
            assert (await client.get("/v1/auth/me")).status_code == 200
            running_app.dependency_overrides[utc_now] = lambda: later + idle
            assert (await client.get("/v1/auth/me")).status_code == 401
        finally:
            running_app.dependency_overrides.clear()

    async def test_session_expires_absolutely_even_when_active(
        self, running_app: FastAPI, client: httpx.AsyncClient, make_user: MakeUser, login: Login
    ) -> None:
        await login(client, await make_user())
        settings = provided_object(running_app, AuthSettings)
        start = datetime.now(UTC)
        step = settings.session_idle_ttl / 2
        try:
            moment = start
            while moment + step < start + settings.session_absolute_ttl:
                moment += step
                running_app.dependency_overrides[utc_now] = lambda m=moment: m
                assert (await client.get("/v1/auth/me")).status_code == 200
            running_app.dependency_overrides[utc_now] = lambda: (
                start + settings.session_absolute_ttl
            )
            assert (await client.get("/v1/auth/me")).status_code == 401
        finally:
            running_app.dependency_overrides.clear()


class TestCsrf:
    async def test_cookie_request_without_the_csrf_header_is_refused(
        self, client: httpx.AsyncClient, make_user: MakeUser, login: Login
    ) -> None:
        await login(client, await make_user())
        del client.headers["X-CSRF-Token"]
        response = await client.post("/v1/auth/projects", json={"name": "p"})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "csrf_rejected"
        assert (await client.post("/v1/auth/logout")).status_code == 403
        assert (await client.get("/v1/auth/me")).status_code == 200  # reads need no token

    async def test_csrf_token_of_another_session_is_refused(
        self, running_app: FastAPI, make_user: MakeUser, login: Login, client_for: ClientFor
    ) -> None:
        async with client_for(running_app) as mine, client_for(running_app) as theirs:
            await login(mine, await make_user())
            their_token = await login(theirs, await make_user())
            mine.headers["X-CSRF-Token"] = their_token
            response = await mine.post("/v1/auth/projects", json={"name": "p"})
        assert response.status_code == 403

    async def test_csrf_cookie_value_is_the_expected_header(
        self, client: httpx.AsyncClient, make_user: MakeUser, login: Login
    ) -> None:
        await login(client, await make_user())
        client.headers["X-CSRF-Token"] = client.cookies[CSRF_COOKIE]
        assert (await client.post("/v1/auth/projects", json={"name": "p"})).status_code == 201

    @pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
    async def test_cross_site_form_login_is_not_accepted(
        self, client: httpx.AsyncClient, make_user: MakeUser, content_type: str
    ) -> None:
        """HTML forms cannot send JSON, so a cross-site page cannot log a victim in."""
        username = await make_user()
        response = await client.post(
            "/v1/auth/login",
            content=f'{{"username": "{username}", "password": "{PASSWORD}"}}',
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 422
        assert SESSION_COOKIE not in client.cookies


class TestTokenLogin:
    """``POST /v1/auth/login/token``: the web UI's session, sent as a bearer token."""

    async def test_token_login_sets_no_cookie_and_the_token_is_a_session(
        self, client: httpx.AsyncClient, make_user: MakeUser, running_app: FastAPI
    ) -> None:
        username = await make_user()
        before = utc_now()
        response = await client.post(
            "/v1/auth/login/token", json={"username": username, "password": PASSWORD}
        )
        assert response.status_code == 200, response.text
        assert response.headers.get_list("set-cookie") == []
        body = response.json()
        token = body["token"]
        assert token.startswith("prs_")
        ttl = running_app.state.settings.app_session_ttl
        assert datetime.fromisoformat(body["expires_at"]) <= utc_now() + ttl
        assert datetime.fromisoformat(body["expires_at"]) >= before + ttl
        me = await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert (me.status_code, me.json()["credential"]) == (200, "session")
        async with running_app.state.database.sessionmaker() as session:
            stored = set(await session.scalars(select(Session.session_id)))
        assert hash_secret(token) in stored
        assert token not in stored

    async def test_wrong_password_is_refused_alike(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        username = await make_user()
        response = await client.post(
            "/v1/auth/login/token", json={"username": username, "password": "nope"}
        )
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_credentials"

    async def test_bearer_session_writes_need_no_csrf_token_and_logout_ends_it(
        self, client: httpx.AsyncClient, make_user: MakeUser
    ) -> None:
        username = await make_user()
        token = (
            await client.post(
                "/v1/auth/login/token", json={"username": username, "password": PASSWORD}
            )
        ).json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        created = await client.post("/v1/auth/projects", json={"name": "p"}, headers=bearer)
        assert created.status_code == 201, created.text
        project_id = created.json()["id"]
        active = await client.put(
            "/v1/auth/session/active-project", json={"project_id": project_id}, headers=bearer
        )
        assert (active.status_code, active.json()["project_id"]) == (200, project_id)
        assert (await client.post("/v1/auth/logout", headers=bearer)).status_code == 204
        assert (await client.get("/v1/auth/me", headers=bearer)).status_code == 401

    async def test_a_cookie_session_still_needs_its_csrf_token(
        self, client: httpx.AsyncClient, make_user: MakeUser, login: Login
    ) -> None:
        """The bearer exemption does not leak to cookies: no Authorization header, no pass."""
        await login(client, await make_user())
        del client.headers["X-CSRF-Token"]
        response = await client.post("/v1/auth/projects", json={"name": "p"})
        assert (response.status_code, response.json()["error"]["code"]) == (403, "csrf_rejected")


class TestCors:
    UI = "http://127.0.0.1:8002"

    async def test_only_listed_origins_get_cors_and_never_with_credentials(
        self, client_for: ClientFor, settings_for: SettingsFor
    ) -> None:
        app = create_app(settings_for(cors_origins=[self.UI]))
        preflight = {
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        }
        async with app.router.lifespan_context(app), client_for(app) as client:
            allowed = await client.options(
                "/v1/auth/login/token", headers={"Origin": self.UI, **preflight}
            )
            refused = await client.options(
                "/v1/auth/login/token", headers={"Origin": "https://evil.example", **preflight}
            )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == self.UI
        assert "access-control-allow-credentials" not in allowed.headers
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers

    async def test_no_cors_without_listed_origins(self, client: httpx.AsyncClient) -> None:
        response = await client.options(
            "/v1/auth/login/token",
            headers={"Origin": self.UI, "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in response.headers

    def test_an_origin_with_a_path_is_refused(self, settings_for: SettingsFor) -> None:
        with pytest.raises(ValueError, match="cors_origins"):
            settings_for(cors_origins=["https://ui.example/app"])
