"""API tokens: shown once, listed by prefix, scoped to a project, revoked at once."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from parley_authn import hash_secret
from parley_schema.models import ApiToken
from sqlalchemy import select

MakeUser = Callable[..., Coroutine[Any, Any, str]]
Login = Callable[..., Coroutine[Any, Any, str]]
ClientFor = Callable[..., httpx.AsyncClient]


@dataclass(frozen=True)
class OwnedProject:
    id: str
    tokens_url: str


@pytest.fixture
async def project(client: httpx.AsyncClient, make_user: MakeUser, login: Login) -> OwnedProject:
    """A new project, owned by the user signed in on ``client``."""
    await login(client, await make_user())
    project_id: str = (await client.post("/v1/auth/projects", json={"name": "p"})).json()["id"]
    return OwnedProject(project_id, f"/v1/auth/projects/{project_id}/tokens")


def bearer_client(client_for: ClientFor, app: FastAPI, token: str) -> httpx.AsyncClient:
    """A client of its own that sends ``token`` on every request."""
    bot = client_for(app)
    bot.headers["Authorization"] = f"Bearer {token}"
    return bot


async def add_member(owner: httpx.AsyncClient, project_id: str, make_user: MakeUser) -> str:
    """A new user, added to the project by its owner; their username."""
    name = await make_user()
    await owner.post(f"/v1/auth/projects/{project_id}/members", json={"username": name})
    return name


class TestTokens:
    async def test_token_is_shown_once_and_stored_as_a_hash(
        self, client: httpx.AsyncClient, project: OwnedProject, running_app: FastAPI
    ) -> None:
        url = project.tokens_url
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
        self,
        client: httpx.AsyncClient,
        project: OwnedProject,
        client_for: ClientFor,
        running_app: FastAPI,
    ) -> None:
        token = (await client.post(project.tokens_url, json={"name": "bot"})).json()["token"]
        async with bearer_client(client_for, running_app, token) as bot:
            me = (await bot.get("/v1/auth/me")).json()
        assert (me["credential"], me["project_id"], me["role"]) == (
            "api_token",
            project.id,
            "owner",
        )
        assert (await client.get(project.tokens_url)).json()[0]["last_used_at"] is not None

    async def test_revoked_token_is_rejected_immediately(
        self,
        client: httpx.AsyncClient,
        project: OwnedProject,
        client_for: ClientFor,
        running_app: FastAPI,
    ) -> None:
        url = project.tokens_url
        created = (await client.post(url, json={"name": "bot"})).json()
        async with bearer_client(client_for, running_app, created["token"]) as bot:
            assert (await bot.get("/v1/auth/me")).status_code == 200
            assert (await client.delete(f"{url}/{created['id']}")).status_code == 204
            assert (await bot.get("/v1/auth/me")).status_code == 401
        assert (await client.get(url)).json()[0]["revoked_at"] is not None

    async def test_api_tokens_cannot_manage_accounts(
        self,
        client: httpx.AsyncClient,
        project: OwnedProject,
        client_for: ClientFor,
        running_app: FastAPI,
    ) -> None:
        url = project.tokens_url
        token = (await client.post(url, json={"name": "bot"})).json()["token"]
        async with bearer_client(client_for, running_app, token) as bot:
            response = await bot.post(url, json={"name": "another"})
            assert (response.status_code, response.json()["error"]["code"]) == (
                403,
                "session_required",
            )
            assert (await bot.get("/v1/auth/projects")).status_code == 403

    async def test_members_see_and_revoke_only_their_own_tokens(
        self,
        client: httpx.AsyncClient,
        project: OwnedProject,
        make_user: MakeUser,
        login: Login,
        client_for: ClientFor,
        running_app: FastAPI,
    ) -> None:
        url = project.tokens_url
        owners = (await client.post(url, json={"name": "owner's"})).json()
        member_name = await add_member(client, project.id, make_user)
        async with client_for(running_app) as member:
            await login(member, member_name)
            mine = (await member.post(url, json={"name": "member's"})).json()
            assert [t["id"] for t in (await member.get(url)).json()] == [mine["id"]]
            assert (await member.delete(f"{url}/{owners['id']}")).status_code == 404
            assert (await member.delete(f"{url}/{mine['id']}")).status_code == 204
        assert len((await client.get(url)).json()) == 2  # the owner sees all

    async def test_outsiders_cannot_create_tokens_for_a_project(
        self,
        project: OwnedProject,
        make_user: MakeUser,
        login: Login,
        client_for: ClientFor,
        running_app: FastAPI,
    ) -> None:
        async with client_for(running_app) as outsider:
            await login(outsider, await make_user())
            response = await outsider.post(project.tokens_url, json={"name": "x"})
        assert response.status_code == 404

    async def test_expiring_token_records_its_expiry(
        self, client: httpx.AsyncClient, project: OwnedProject
    ) -> None:
        url = project.tokens_url
        created = await client.post(url, json={"name": "ci", "expires_in_days": 30})
        assert created.json()["expires_at"] is not None
        bad = await client.post(url, json={"name": "ci", "expires_in_days": 0})
        assert (bad.status_code, bad.json()["error"]["field"]) == (422, "expires_in_days")


class TestPrivateScope:
    async def test_tokens_have_no_scopes_unless_an_owner_asks_for_private(
        self,
        client: httpx.AsyncClient,
        project: OwnedProject,
        make_user: MakeUser,
        login: Login,
        client_for: ClientFor,
        running_app: FastAPI,
    ) -> None:
        url = project.tokens_url
        plain = (await client.post(url, json={"name": "plain"})).json()
        private = await client.post(url, json={"name": "notes", "scopes": ["private"]})
        assert (plain["scopes"], private.status_code, private.json()["scopes"]) == (
            [],
            201,
            ["private"],
        )
        assert [t["scopes"] for t in (await client.get(url)).json()] == [[], ["private"]]
        member_name = await add_member(client, project.id, make_user)
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
        project: OwnedProject,
        client_for: ClientFor,
        running_app: FastAPI,
    ) -> None:
        url = project.tokens_url
        private = (await client.post(url, json={"name": "n", "scopes": ["private"]})).json()
        plain = (await client.post(url, json={"name": "p"})).json()
        assert (await client.get("/v1/auth/me")).json()["scopes"] == []  # no active project
        active = await client.put(
            "/v1/auth/session/active-project", json={"project_id": project.id}
        )
        assert active.json()["scopes"] == ["private"]  # an owner's session
        for token, scopes in ((private, ["private"]), (plain, [])):
            async with bearer_client(client_for, running_app, token["token"]) as bot:
                assert (await bot.get("/v1/auth/me")).json()["scopes"] == scopes
