"""Administrators, source grants, and who may attach a Chatwoot source to a project."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

MakeUser = Callable[..., Coroutine[Any, Any, str]]
Login = Callable[..., Coroutine[Any, Any, str]]
ClientFor = Callable[..., httpx.AsyncClient]
GRANTS = "/v1/auth/admin/grants"


@pytest.fixture
async def admin(
    running_app: FastAPI, make_user: MakeUser, login: Login, client_for: ClientFor
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(running_app) as client:
        await login(client, await make_user(admin=True))
        yield client


@pytest.fixture
def owner(another_user: tuple[httpx.AsyncClient, str]) -> tuple[httpx.AsyncClient, str]:
    """A signed-in user who is no administrator, and their name."""
    return another_user


async def grant(
    admin: httpx.AsyncClient, username: str, account_id: int, inbox_id: int | None = None
) -> dict[str, Any]:
    response = await admin.post(
        GRANTS, json={"username": username, "account_id": account_id, "inbox_id": inbox_id}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def new_project(client: httpx.AsyncClient) -> str:
    response = await client.post("/v1/auth/projects", json={"name": "Support"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def attach(
    client: httpx.AsyncClient, project_id: str, account_id: int, inbox_ids: list[int] | None = None
) -> httpx.Response:
    return await client.post(
        f"/v1/auth/projects/{project_id}/sources",
        json={"account_id": account_id, "inbox_ids": inbox_ids or []},
    )


async def sources(client: httpx.AsyncClient, project_id: str) -> list[tuple[int, int | None]]:
    listed = (await client.get(f"/v1/auth/projects/{project_id}/sources")).json()
    return [(s["account_id"], s["inbox_id"]) for s in listed]


class TestGrants:
    async def test_an_admin_grants_lists_and_revokes(
        self, admin: httpx.AsyncClient, owner: tuple[httpx.AsyncClient, str]
    ) -> None:
        _, username = owner
        whole = await grant(admin, username.upper(), 7)
        inbox = await grant(admin, username, 9, 3)
        assert (whole["username"], whole["account_id"], whole["inbox_id"]) == (username, 7, None)
        me = (await admin.get("/v1/auth/me")).json()
        assert me["user"]["is_admin"] is True
        assert whole["granted_by"] == me["user"]["id"]
        again = await grant(admin, username, 7)  # idempotent: the first grant stays
        assert again["id"] == whole["id"]
        listed = (await admin.get(GRANTS, params={"username": username})).json()
        assert [(g["account_id"], g["inbox_id"]) for g in listed] == [(7, None), (9, 3)]
        assert (await admin.delete(f"{GRANTS}/{inbox['id']}")).status_code == 204
        gone = await admin.delete(f"{GRANTS}/{inbox['id']}")
        assert (gone.status_code, gone.json()["error"]["code"]) == (404, "grant_not_found")
        listed = (await admin.get(GRANTS, params={"username": username})).json()
        assert [g["id"] for g in listed] == [whole["id"]]

    async def test_granting_to_an_unknown_user_is_404(self, admin: httpx.AsyncClient) -> None:
        response = await admin.post(GRANTS, json={"username": "nobody-here", "account_id": 1})
        assert (response.status_code, response.json()["error"]["code"]) == (404, "user_not_found")

    async def test_only_administrators_manage_grants(
        self, owner: tuple[httpx.AsyncClient, str]
    ) -> None:
        client, username = owner
        for response in (
            await client.post(GRANTS, json={"username": username, "account_id": 1}),
            await client.get(GRANTS),
            await client.delete(f"{GRANTS}/00000000-0000-4000-8000-000000000000"),
        ):
            assert (response.status_code, response.json()["error"]["code"]) == (
                403,
                "admin_required",
            )


class TestAttachingSources:
    async def test_without_a_grant_nothing_is_attached(
        self, owner: tuple[httpx.AsyncClient, str]
    ) -> None:
        client, _ = owner
        project_id = await new_project(client)
        for account_id, inbox_ids in ((1, None), (1, [2, 3])):
            response = await attach(client, project_id, account_id, inbox_ids)
            assert (response.status_code, response.json()["error"]["code"]) == (
                403,
                "source_not_permitted",
            )
        assert await sources(client, project_id) == []

    async def test_an_account_grant_covers_the_account_and_its_inboxes(
        self, admin: httpx.AsyncClient, owner: tuple[httpx.AsyncClient, str]
    ) -> None:
        client, username = owner
        await grant(admin, username, 5)
        project_id = await new_project(client)
        assert (await attach(client, project_id, 5, [11])).status_code == 201
        assert (await attach(client, project_id, 5)).status_code == 201
        assert (await attach(client, project_id, 6)).status_code == 403  # another account
        assert await sources(client, project_id) == [(5, None), (5, 11)]

    async def test_an_inbox_grant_covers_that_inbox_only_and_a_request_is_all_or_nothing(
        self, admin: httpx.AsyncClient, owner: tuple[httpx.AsyncClient, str]
    ) -> None:
        client, username = owner
        await grant(admin, username, 8, 21)
        project_id = await new_project(client)
        for inbox_ids in (None, [21, 22]):  # the whole account; one inbox too many
            response = await attach(client, project_id, 8, inbox_ids)
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "source_not_permitted"
        assert await sources(client, project_id) == []
        assert (await attach(client, project_id, 8, [21])).status_code == 201
        assert await sources(client, project_id) == [(8, 21)]

    async def test_an_administrator_attaches_anything(self, admin: httpx.AsyncClient) -> None:
        project_id = await new_project(admin)
        assert (await attach(admin, project_id, 31)).status_code == 201
        assert (await attach(admin, project_id, 32, [1])).status_code == 201
        assert await sources(admin, project_id) == [(31, None), (32, 1)]

    async def test_a_revoked_grant_stops_later_attachments_only(
        self, admin: httpx.AsyncClient, owner: tuple[httpx.AsyncClient, str]
    ) -> None:
        client, username = owner
        granted = await grant(admin, username, 41)
        project_id = await new_project(client)
        assert (await attach(client, project_id, 41, [1])).status_code == 201
        assert (await admin.delete(f"{GRANTS}/{granted['id']}")).status_code == 204
        assert (await attach(client, project_id, 41, [2])).status_code == 403
        assert await sources(client, project_id) == [(41, 1)]

    async def test_a_grant_does_not_make_a_member_an_owner(
        self,
        admin: httpx.AsyncClient,
        owner: tuple[httpx.AsyncClient, str],
        make_user: MakeUser,
        login: Login,
        client_for: ClientFor,
        running_app: FastAPI,
    ) -> None:
        client, _ = owner
        project_id = await new_project(client)
        member_name = await make_user()
        await client.post(f"/v1/auth/projects/{project_id}/members", json={"username": member_name})
        await grant(admin, member_name, 51)
        async with client_for(running_app) as member:
            await login(member, member_name)
            response = await attach(member, project_id, 51)
        assert (response.status_code, response.json()["error"]["code"]) == (
            403,
            "not_project_owner",
        )
