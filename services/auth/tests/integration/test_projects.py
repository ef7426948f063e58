"""Projects, members with roles, sources, and the session's active project."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import httpx
import pytest

MakeUser = Callable[..., Coroutine[Any, Any, str]]
Login = Callable[..., Coroutine[Any, Any, str]]
ClientFor = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def owner(client: httpx.AsyncClient, make_user: MakeUser, login: Login) -> httpx.AsyncClient:
    await login(client, await make_user())
    return client


@pytest.fixture
async def admin(client: httpx.AsyncClient, make_user: MakeUser, login: Login) -> httpx.AsyncClient:
    await login(client, await make_user(admin=True))
    return client


@pytest.fixture
def member(another_user: tuple[httpx.AsyncClient, str]) -> tuple[httpx.AsyncClient, str]:
    return another_user


async def create_project(client: httpx.AsyncClient, name: str = "Support") -> dict[str, Any]:
    response = await client.post("/v1/auth/projects", json={"name": name})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def add_member(
    owner: httpx.AsyncClient, project_id: str, username: str, role: str = "member"
) -> dict[str, Any]:
    response = await owner.post(
        f"/v1/auth/projects/{project_id}/members", json={"username": username, "role": role}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


class TestProjects:
    async def test_create_list_rename_delete(self, owner: httpx.AsyncClient) -> None:
        project = await create_project(owner, "  Support  ")
        assert (project["name"], project["role"]) == ("Support", "owner")
        listed = (await owner.get("/v1/auth/projects")).json()
        assert [p["id"] for p in listed] == [project["id"]]
        renamed = await owner.patch(f"/v1/auth/projects/{project['id']}", json={"name": "Care"})
        assert renamed.json()["name"] == "Care"
        assert (await owner.delete(f"/v1/auth/projects/{project['id']}")).status_code == 204
        assert (await owner.get(f"/v1/auth/projects/{project['id']}")).status_code == 404
        assert (await owner.get("/v1/auth/projects")).json() == []

    async def test_non_members_cannot_see_that_a_project_exists(
        self, owner: httpx.AsyncClient, member: tuple[httpx.AsyncClient, str]
    ) -> None:
        project = await create_project(owner)
        outsider, _ = member
        for response in (
            await outsider.get(f"/v1/auth/projects/{project['id']}"),
            await outsider.patch(f"/v1/auth/projects/{project['id']}", json={"name": "x"}),
            await outsider.delete(f"/v1/auth/projects/{project['id']}"),
            await outsider.get(f"/v1/auth/projects/{project['id']}/members"),
            await outsider.get(f"/v1/auth/projects/{project['id']}/sources"),
        ):
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "project_not_found"
        assert (await outsider.get("/v1/auth/projects")).json() == []

    @pytest.mark.parametrize("name", ["", "   ", "a" * 101, "bad\x00name", "tab\there"])
    async def test_bad_names_are_422_naming_the_field(
        self, owner: httpx.AsyncClient, name: str
    ) -> None:
        response = await owner.post("/v1/auth/projects", json={"name": name})
        assert response.status_code == 422
        assert response.json()["error"]["field"] == "name"


class TestMembers:
    async def test_members_read_but_only_owners_manage(
        self, owner: httpx.AsyncClient, member: tuple[httpx.AsyncClient, str], make_user: MakeUser
    ) -> None:
        project = await create_project(owner)
        member_client, member_name = member
        added = await add_member(owner, project["id"], member_name.upper())
        assert (added["username"], added["role"]) == (member_name, "member")
        members = (await member_client.get(f"/v1/auth/projects/{project['id']}/members")).json()
        assert sorted(m["role"] for m in members) == ["member", "owner"]
        seen = (await member_client.get(f"/v1/auth/projects/{project['id']}")).json()
        assert seen["role"] == "member"
        third = await make_user()
        for response in (
            await member_client.post(
                f"/v1/auth/projects/{project['id']}/members", json={"username": third}
            ),
            await member_client.patch(f"/v1/auth/projects/{project['id']}", json={"name": "x"}),
            await member_client.delete(f"/v1/auth/projects/{project['id']}"),
            await member_client.post(
                f"/v1/auth/projects/{project['id']}/sources", json={"account_id": 1}
            ),
        ):
            assert response.status_code == 403
            assert response.json()["error"]["code"] == "not_project_owner"

    async def test_unknown_user_and_duplicate_member_are_refused(
        self, owner: httpx.AsyncClient, member: tuple[httpx.AsyncClient, str]
    ) -> None:
        project = await create_project(owner)
        _, member_name = member
        url = f"/v1/auth/projects/{project['id']}/members"
        unknown = await owner.post(url, json={"username": "no-such-user"})
        assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "user_not_found")
        await add_member(owner, project["id"], member_name)
        again = await owner.post(url, json={"username": member_name})
        assert (again.status_code, again.json()["error"]["code"]) == (409, "already_member")

    async def test_the_last_owner_can_neither_leave_nor_be_demoted(
        self, owner: httpx.AsyncClient, member: tuple[httpx.AsyncClient, str]
    ) -> None:
        project = await create_project(owner)
        me = (await owner.get("/v1/auth/me")).json()["user"]["id"]
        base = f"/v1/auth/projects/{project['id']}/members"
        demote = await owner.patch(f"{base}/{me}", json={"role": "member"})
        assert (demote.status_code, demote.json()["error"]["code"]) == (409, "last_owner")
        assert (await owner.delete(f"{base}/{me}")).status_code == 409
        _, member_name = member
        other = await add_member(owner, project["id"], member_name, role="owner")
        assert (await owner.patch(f"{base}/{me}", json={"role": "member"})).status_code == 200
        assert (await owner.get(f"/v1/auth/projects/{project['id']}")).json()["role"] == "member"
        assert other["role"] == "owner"

    async def test_a_member_may_leave_but_not_remove_others(
        self,
        owner: httpx.AsyncClient,
        member: tuple[httpx.AsyncClient, str],
    ) -> None:
        project = await create_project(owner)
        member_client, member_name = member
        added = await add_member(owner, project["id"], member_name)
        me = (await owner.get("/v1/auth/me")).json()["user"]["id"]
        base = f"/v1/auth/projects/{project['id']}/members"
        assert (await member_client.delete(f"{base}/{me}")).status_code == 403
        assert (await member_client.delete(f"{base}/{added['user_id']}")).status_code == 204
        assert (await member_client.get(f"/v1/auth/projects/{project['id']}")).status_code == 404

    async def test_bad_role_is_422(self, owner: httpx.AsyncClient) -> None:
        project = await create_project(owner)
        response = await owner.post(
            f"/v1/auth/projects/{project['id']}/members", json={"username": "abc", "role": "admin"}
        )
        assert (response.status_code, response.json()["error"]["field"]) == (422, "role")


class TestSources:
    async def test_whole_account_and_selected_inboxes(self, admin: httpx.AsyncClient) -> None:
        owner = admin
        project = await create_project(owner)
        url = f"/v1/auth/projects/{project['id']}/sources"
        assert (await owner.post(url, json={"account_id": 7})).status_code == 201
        both = await owner.post(url, json={"account_id": 9, "inbox_ids": [3, 4, 3]})
        pairs = [(s["account_id"], s["inbox_id"]) for s in both.json()]
        assert pairs == [(7, None), (9, 3), (9, 4)]
        again = await owner.post(url, json={"account_id": 7})  # idempotent
        assert len(again.json()) == 3
        source_id = both.json()[0]["id"]
        assert (await owner.delete(f"{url}/{source_id}")).status_code == 204
        assert (await owner.delete(f"{url}/{source_id}")).status_code == 404
        assert len((await owner.get(url)).json()) == 2

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"account_id": 0}, "account_id"),
            ({"account_id": 2**63}, "account_id"),
            ({"account_id": "x"}, "account_id"),
            ({"account_id": 1, "inbox_ids": [-1]}, "inbox_ids.0"),
            ({}, "account_id"),
        ],
    )
    async def test_bad_sources_are_422_naming_the_field(
        self, owner: httpx.AsyncClient, body: dict[str, Any], field: str
    ) -> None:
        project = await create_project(owner)
        response = await owner.post(f"/v1/auth/projects/{project['id']}/sources", json=body)
        assert (response.status_code, response.json()["error"]["field"]) == (422, field)


class TestActiveProject:
    async def test_active_project_sets_project_and_role_on_the_session(
        self, owner: httpx.AsyncClient
    ) -> None:
        project = await create_project(owner)
        response = await owner.put(
            "/v1/auth/session/active-project", json={"project_id": project["id"]}
        )
        assert response.status_code == 200
        me = (await owner.get("/v1/auth/me")).json()
        assert (me["project_id"], me["role"]) == (project["id"], "owner")
        cleared = await owner.put("/v1/auth/session/active-project", json={"project_id": None})
        assert cleared.json()["project_id"] is None

    async def test_foreign_project_cannot_be_made_active(
        self, owner: httpx.AsyncClient, member: tuple[httpx.AsyncClient, str]
    ) -> None:
        project = await create_project(owner)
        outsider, _ = member
        response = await outsider.put(
            "/v1/auth/session/active-project", json={"project_id": project["id"]}
        )
        assert response.status_code == 404
        assert (await outsider.get("/v1/auth/me")).json()["project_id"] is None

    async def test_active_project_disappears_with_the_project(
        self, owner: httpx.AsyncClient
    ) -> None:
        project = await create_project(owner)
        await owner.put("/v1/auth/session/active-project", json={"project_id": project["id"]})
        await owner.delete(f"/v1/auth/projects/{project['id']}")
        assert (await owner.get("/v1/auth/me")).json()["project_id"] is None
