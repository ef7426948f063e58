"""Who may attach Chatwoot sources, who may read private notes, who may sign up: black-box,
against the running services as deployed by default (no Telegram, no development PIN log).

Issue 17, findings 1 and 6 (auth side) and deliverable 3's closed signup:
- a user who is no administrator cannot attach an account (403 ``source_not_permitted``,
  nothing written); an administrator's grant lets them, for exactly what it covers;
- only a project owner can create a token that reads private notes, and ``/me`` tells a
  credential what it may read (search-api enforces ``include_private`` with it);
- without a bound Telegram owner and without ``PARLEY_SIGNUP_DEV_PIN_LOG`` signup answers
  503 ``signup_unavailable``, for free and taken usernames alike.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from parley_cli.client import AuthClient, create_user
from parley_schema.models import JobRun
from parley_testing.stack import Stack
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

PASSWORD = "correct horse battery staple"
GRANTS = "/v1/auth/admin/grants"


async def signed_in(stack: Stack, username: str, *, admin: bool = False) -> AuthClient:
    await create_user(stack.env, username, PASSWORD, admin=admin)
    return await AuthClient.login(stack.url("auth"), username, PASSWORD)


async def send(client: AuthClient, method: str, path: str, body: Any = None) -> httpx.Response:
    """A request with the session cookie and its CSRF header, answered as it is."""
    return await client.http.request(
        method, path, json=body, headers={"X-CSRF-Token": client.csrf_token}
    )


def error_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.fixture(scope="module")
async def admin(stack: Stack) -> AsyncIterator[AuthClient]:
    client = await signed_in(stack, "root-admin", admin=True)
    yield client
    await client.close()


@pytest.fixture
async def someone(stack: Stack, admin: AuthClient) -> AsyncIterator[tuple[AuthClient, str]]:
    """A signed-in user who is no administrator (the administrator exists first: the first
    user ever is one), and their name."""
    name = f"agent-{secrets.token_hex(4)}"
    client = await signed_in(stack, name)
    yield client, name
    await client.close()


async def test_a_user_who_is_no_administrator_cannot_attach_an_account(
    admin: AuthClient, someone: tuple[AuthClient, str]
) -> None:
    client, name = someone
    assert (await send(client, "GET", "/v1/auth/me")).json()["user"]["is_admin"] is False
    project_id = await client.project_named("Mine")
    sources = f"/v1/auth/projects/{project_id}/sources"
    for body in ({"account_id": 1}, {"account_id": 1, "inbox_ids": [1, 2]}):
        assert error_of(await send(client, "POST", sources, body)) == (
            403,
            "source_not_permitted",
        )
    assert (await send(client, "GET", sources)).json() == []  # nothing written

    granted = await send(admin, "POST", GRANTS, {"username": name, "account_id": 1})
    assert granted.status_code == 201, granted.text
    attached = await send(client, "POST", sources, {"account_id": 1})
    assert attached.status_code == 201, attached.text
    assert [(s["account_id"], s["inbox_id"]) for s in attached.json()] == [(1, None)]
    other = await send(client, "POST", sources, {"account_id": 2, "inbox_ids": [5]})
    assert error_of(other) == (403, "source_not_permitted")  # the grant covers account 1 only
    assert len((await send(client, "GET", sources)).json()) == 1


async def test_only_administrators_manage_grants(someone: tuple[AuthClient, str]) -> None:
    client, name = someone
    for method, path, body in (
        ("POST", GRANTS, {"username": name, "account_id": 2}),
        ("GET", GRANTS, None),
        ("DELETE", f"{GRANTS}/00000000-0000-4000-8000-000000000000", None),
    ):
        assert error_of(await send(client, method, path, body)) == (403, "admin_required")


async def test_only_a_project_owner_creates_a_token_that_reads_private_notes(
    stack: Stack, someone: tuple[AuthClient, str]
) -> None:
    owner, _ = someone
    project_id = await owner.project_named("Notes")
    member_name = f"member-{secrets.token_hex(4)}"
    member = await signed_in(stack, member_name)
    try:
        added = await send(
            owner, "POST", f"/v1/auth/projects/{project_id}/members", {"username": member_name}
        )
        assert added.status_code == 201, added.text
        tokens = f"/v1/auth/projects/{project_id}/tokens"
        refused = await send(member, "POST", tokens, {"name": "fe", "scopes": ["private"]})
        assert error_of(refused) == (403, "private_not_permitted")
        plain = await send(member, "POST", tokens, {"name": "fe"})
        private = await send(owner, "POST", tokens, {"name": "notes", "scopes": ["private"]})
        assert (plain.json()["scopes"], private.json()["scopes"]) == ([], ["private"])
    finally:
        await member.close()
    async with httpx.AsyncClient(base_url=stack.url("auth")) as bearer:
        for created, scopes in ((plain, []), (private, ["private"])):
            headers = {"Authorization": f"Bearer {created.json()['token']}"}
            me = (await bearer.get("/v1/auth/me", headers=headers)).json()
            assert (me["project_id"], me["scopes"]) == (project_id, scopes)


async def test_signup_is_closed_without_a_telegram_owner_or_the_dev_flag(
    stack: Stack, someone: tuple[AuthClient, str]
) -> None:
    _, taken = someone
    async with httpx.AsyncClient(base_url=stack.url("auth")) as anyone:
        for username in (f"new-{secrets.token_hex(4)}", taken):
            response = await anyone.post(
                "/v1/auth/signup", json={"username": username, "password": PASSWORD}
            )
            assert error_of(response) == (503, "signup_unavailable")


async def test_housekeeping_ran_at_start_and_recorded_its_counts(stack: Stack) -> None:
    engine = create_async_engine(stack.env["PARLEY_DATABASE_URL"])
    try:
        async with engine.connect() as connection:
            runs = (
                await connection.execute(
                    select(JobRun.status, JobRun.meta).where(JobRun.job_name == "auth-housekeeping")
                )
            ).all()
    finally:
        await engine.dispose()
    assert runs, "auth-housekeeping never ran"
    assert {"sessions", "signup_requests", "rate_limit_counters"} <= set(runs[0].meta)
    assert {status for status, _ in runs} == {"ok"}


async def test_search_api_serves_private_notes_only_to_the_private_right(
    stack: Stack, admin: AuthClient
) -> None:
    """Finding 6: ``include_private`` is no longer a flag any caller sets. A token made
    without the scope (e.g. handed to a front end) gets 403 on every route that reads notes;
    the owner's private token and the owner's own session are served."""
    project_id = await admin.project_named("Private notes")
    await admin.allow_accounts(project_id, [1])
    plain = await admin.create_token(project_id, "front end")
    private = await admin.create_token(project_id, "notes", scopes=["private"])
    gid = "cw:1:1"  # unknown here: the right is checked before the conversation is looked up
    routes = (
        ("GET", "/v1/search", {"q": "refund", "include_private": "true"}),
        ("GET", f"/v1/conversations/{gid}", {"include_private": "true"}),
        ("GET", f"/v1/conversations/{gid}/similar", {"include_private": "true"}),
    )
    async with httpx.AsyncClient(base_url=stack.url("search-api"), timeout=30) as search:
        for method, path, params in routes:
            refused = await search.request(
                method, path, params=params, headers={"Authorization": f"Bearer {plain}"}
            )
            assert error_of(refused) == (403, "private_not_permitted"), path
            served = await search.request(
                method, path, params=params, headers={"Authorization": f"Bearer {private}"}
            )
            assert served.status_code in (200, 404), (
                path,
                served.text,
            )  # 404: no such conversation
        without_flag = await search.get(
            "/v1/search", params={"q": "refund"}, headers={"Authorization": f"Bearer {plain}"}
        )
        assert without_flag.status_code == 200
        active = await send(
            admin, "PUT", "/v1/auth/session/active-project", {"project_id": project_id}
        )
        assert active.status_code == 200, active.text
        cookie = admin.http.cookies.get("parley_session")
        owner_session = await search.get(
            "/v1/search",
            params={"q": "refund", "include_private": "true"},
            headers={"Cookie": f"parley_session={cookie}"},
        )
        assert owner_session.status_code == 200, owner_session.text
