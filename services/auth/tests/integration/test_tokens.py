"""API tokens: shown once, listed by prefix, scoped to a project, revoked at once."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from fastapi import FastAPI
from parley_authn import hash_secret
from parley_schema.models import ApiToken
from sqlalchemy import select

MakeUser = Callable[..., Coroutine[Any, Any, str]]
Login = Callable[..., Coroutine[Any, Any, str]]
ClientFor = Callable[..., httpx.AsyncClient]


async def signed_in_with_project(
    client: httpx.AsyncClient, make_user: MakeUser, login: Login
) -> str:
    await login(client, await make_user())
    project_id: str = (await client.post("/v1/auth/projects", json={"name": "p"})).json()["id"]
    return project_id


class TestTokens:
    async def test_token_is_shown_once_and_stored_as_a_hash(
        self,
        client: httpx.AsyncClient,
        make_user: MakeUser,
        login: Login,
        running_app: FastAPI,
    ) -> None:
        project_id = await signed_in_with_project(client, make_user, login)
        url = f"/v1/auth/projects/{project_id}/tokens"
        created = await client.post(url, json={"name": "ci"})
        assert created.status_code == 201
        token = created.json()["token"]
        assert token.startswith("prl_")
        assert created.json()["prefix"] == token[:12]
        listed = (await client.get(url)).json()
        assert [t["name"] for t in listed] == ["ci"]
        assert "token" not in listed[0]
        assert token not in (await client.get(url)).text
        async with running_app.state.database.sessionmaker() as session:
            stored = (await session.scalars(select(ApiToken.token_hash))).all()
        assert hash_secret(token) in stored
        assert token not in stored

    async def test_token_authenticates_for_its_project_and_records_last_use(
        self, client: httpx.AsyncClient, make_user: MakeUser, login: Login, running_app: FastAPI
    ) -> None:
        project_id = await signed_in_with_project(client, make_user, login)
        url = f"/v1/auth/projects/{project_id}/tokens"
        token = (await client.post(url, json={"name": "bot"})).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        transport = httpx.ASGITransport(app=running_app)
        async with httpx.AsyncClient(transport=transport, base_url="https://auth.test") as bot:
            me = (await bot.get("/v1/auth/me", headers=headers)).json()
        assert (me["credential"], me["project_id"], me["role"]) == (
            "api_token",
            project_id,
            "owner",
        )
        assert (await client.get(url)).json()[0]["last_used_at"] is not None

    async def test_revoked_token_is_rejected_immediately(
        self, client: httpx.AsyncClient, make_user: MakeUser, login: Login, running_app: FastAPI
    ) -> None:
        project_id = await signed_in_with_project(client, make_user, login)
        url = f"/v1/auth/projects/{project_id}/tokens"
        created = (await client.post(url, json={"name": "bot"})).json()
        headers = {"Authorization": f"Bearer {created['token']}"}
        transport = httpx.ASGITransport(app=running_app)
        async with httpx.AsyncClient(transport=transport, base_url="https://auth.test") as bot:
            assert (await bot.get("/v1/auth/me", headers=headers)).status_code == 200
            assert (await client.delete(f"{url}/{created['id']}")).status_code == 204
            assert (await bot.get("/v1/auth/me", headers=headers)).status_code == 401
        assert (await client.get(url)).json()[0]["revoked_at"] is not None

    async def test_api_tokens_cannot_manage_accounts(
        self, client: httpx.AsyncClient, make_user: MakeUser, login: Login, running_app: FastAPI
    ) -> None:
        project_id = await signed_in_with_project(client, make_user, login)
        url = f"/v1/auth/projects/{project_id}/tokens"
        token = (await client.post(url, json={"name": "bot"})).json()["token"]
        transport = httpx.ASGITransport(app=running_app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="https://auth.test",
            headers={"Authorization": f"Bearer {token}"},
        ) as bot:
            response = await bot.post(url, json={"name": "another"})
            assert (response.status_code, response.json()["error"]["code"]) == (
                403,
                "session_required",
            )
            assert (await bot.get("/v1/auth/projects")).status_code == 403

    async def test_members_see_and_revoke_only_their_own_tokens(
        self,
        client: httpx.AsyncClient,
        make_user: MakeUser,
        login: Login,
        client_for: ClientFor,
        running_app: FastAPI,
    ) -> None:
        project_id = await signed_in_with_project(client, make_user, login)
        url = f"/v1/auth/projects/{project_id}/tokens"
        owners = (await client.post(url, json={"name": "owner's"})).json()
        member_name = await make_user()
        await client.post(f"/v1/auth/projects/{project_id}/members", json={"username": member_name})
        async with client_for(running_app) as member:
            await login(member, member_name)
            mine = (await member.post(url, json={"name": "member's"})).json()
            assert [t["id"] for t in (await member.get(url)).json()] == [mine["id"]]
            assert (await member.delete(f"{url}/{owners['id']}")).status_code == 404
            assert (await member.delete(f"{url}/{mine['id']}")).status_code == 204
        assert len((await client.get(url)).json()) == 2  # the owner sees all

    async def test_outsiders_cannot_create_tokens_for_a_project(
        self,
        client: httpx.AsyncClient,
        make_user: MakeUser,
        login: Login,
        client_for: ClientFor,
        running_app: FastAPI,
    ) -> None:
        project_id = await signed_in_with_project(client, make_user, login)
        async with client_for(running_app) as outsider:
            await login(outsider, await make_user())
            response = await outsider.post(
                f"/v1/auth/projects/{project_id}/tokens", json={"name": "x"}
            )
        assert response.status_code == 404

    async def test_expiring_token_records_its_expiry(
        self, client: httpx.AsyncClient, make_user: MakeUser, login: Login
    ) -> None:
        project_id = await signed_in_with_project(client, make_user, login)
        url = f"/v1/auth/projects/{project_id}/tokens"
        created = await client.post(url, json={"name": "ci", "expires_in_days": 30})
        assert created.json()["expires_at"] is not None
        bad = await client.post(url, json={"name": "ci", "expires_in_days": 0})
        assert (bad.status_code, bad.json()["error"]["field"]) == (422, "expires_in_days")


class TestPrivateScope:
    async def test_tokens_have_no_scopes_unless_an_owner_asks_for_private(
        self,
        client: httpx.AsyncClient,
        make_user: MakeUser,
        login: Login,
        client_for: ClientFor,
        running_app: FastAPI,
    ) -> None:
        project_id = await signed_in_with_project(client, make_user, login)
        url = f"/v1/auth/projects/{project_id}/tokens"
        plain = (await client.post(url, json={"name": "plain"})).json()
        private = await client.post(url, json={"name": "notes", "scopes": ["private"]})
        assert (plain["scopes"], private.status_code, private.json()["scopes"]) == (
            [],
            201,
            ["private"],
        )
        assert [t["scopes"] for t in (await client.get(url)).json()] == [[], ["private"]]
        member_name = await make_user()
        await client.post(f"/v1/auth/projects/{project_id}/members", json={"username": member_name})
        async with client_for(running_app) as member:
            await login(member, member_name)
            refused = await member.post(url, json={"name": "m", "scopes": ["private"]})
            assert (refused.status_code, refused.json()["error"]["code"]) == (
                403,
                "private_not_permitted",
            )
            assert (await member.post(url, json={"name": "m"})).status_code == 201
        unknown = await client.post(url, json={"name": "x", "scopes": ["admin"]})
        assert (unknown.status_code, unknown.json()["error"]["field"]) == (422, "scopes.0")

    async def test_me_shows_what_a_credential_may_read(
        self,
        client: httpx.AsyncClient,
        make_user: MakeUser,
        login: Login,
        running_app: FastAPI,
    ) -> None:
        project_id = await signed_in_with_project(client, make_user, login)
        url = f"/v1/auth/projects/{project_id}/tokens"
        private = (await client.post(url, json={"name": "n", "scopes": ["private"]})).json()
        plain = (await client.post(url, json={"name": "p"})).json()
        assert (await client.get("/v1/auth/me")).json()["scopes"] == []  # no active project
        active = await client.put(
            "/v1/auth/session/active-project", json={"project_id": project_id}
        )
        assert active.json()["scopes"] == ["private"]  # an owner's session
        transport = httpx.ASGITransport(app=running_app)
        async with httpx.AsyncClient(transport=transport, base_url="https://auth.test") as bot:
            for token, scopes in ((private, ["private"]), (plain, [])):
                headers = {"Authorization": f"Bearer {token['token']}"}
                assert (await bot.get("/v1/auth/me", headers=headers)).json()["scopes"] == scopes
