"""``GET /v1/audit`` and ``parley audit tail``: the API request trail, for administrators."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from parley_schema.models import ApiRequest
from parley_testing.postgres import run_async
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine

MakeUser = Callable[..., Coroutine[Any, Any, str]]
Login = Callable[..., Coroutine[Any, Any, str]]
ClientFor = Callable[..., httpx.AsyncClient]


async def audit_page(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await client.get("/v1/audit", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def eventually_page(
    client: httpx.AsyncClient, count: int, **params: Any
) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + 10
    while len(entries := (await audit_page(client, **params))["entries"]) < count:
        assert asyncio.get_running_loop().time() < deadline, entries
        await asyncio.sleep(0.1)
    listed: list[dict[str, Any]] = entries
    return listed


async def test_only_administrators_read_the_audit_trail(
    running_app: FastAPI, client_for: ClientFor, make_user: MakeUser, login: Login
) -> None:
    async with client_for(running_app) as nobody:
        assert (await nobody.get("/v1/audit")).status_code == 401
    async with client_for(running_app) as member:
        await login(member, await make_user())
        refused = await member.get("/v1/audit")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "admin_required"
        project = (await member.post("/v1/auth/projects", json={"name": "p"})).json()["id"]
        url = f"/v1/auth/projects/{project}/tokens"
        token = (await member.post(url, json={"name": "bot"})).json()["token"]
    async with client_for(running_app) as bot:
        by_token = await bot.get("/v1/audit", headers={"Authorization": f"Bearer {token}"})
        assert by_token.status_code == 403
        assert by_token.json()["error"]["code"] == "session_required"


async def test_requests_are_listed_with_their_caller_filtered_and_paged(
    running_app: FastAPI, client_for: ClientFor, make_user: MakeUser, login: Login
) -> None:
    async with client_for(running_app) as admin, client_for(running_app) as user:
        await login(admin, await make_user(admin=True))
        await login(user, await make_user())
        me = (await user.get("/v1/auth/me")).json()["user"]
        project = (await user.post("/v1/auth/projects", json={"name": "audited"})).json()["id"]
        activated = await user.put("/v1/auth/session/active-project", json={"project_id": project})
        assert activated.status_code == 200, activated.text
        for _ in range(3):
            assert (await user.get("/v1/auth/projects")).status_code == 200
        assert (await user.get("/v1/auth/projects/not-a-uuid")).status_code == 422

        mine = await eventually_page(admin, 7, user=me["id"])
        assert all(entry["service"] == "auth" for entry in mine)
        assert all(entry["query"] is None for entry in mine)
        created = next(entry for entry in mine if entry["method"] == "POST")
        assert created["status"] == 201
        assert created["project_id"] is None  # no active project before it was created
        assert [(entry["method"], entry["endpoint"], entry["project_id"]) for entry in mine] == [
            ("GET", "/v1/auth/projects/{project_id}", project),  # 422, the caller known
            *[("GET", "/v1/auth/projects", project)] * 3,
            ("PUT", "/v1/auth/session/active-project", None),
            ("POST", "/v1/auth/projects", None),
            ("GET", "/v1/auth/me", None),
        ]

        failed = await audit_page(admin, user=me["id"], status=422)
        assert [entry["endpoint"] for entry in failed["entries"]] == [
            "/v1/auth/projects/{project_id}"
        ]
        gets = await audit_page(admin, user=me["id"], endpoint="/v1/auth/projects")
        assert len(gets["entries"]) == 4
        assert (await audit_page(admin, project=str(uuid.uuid4())))["entries"] == []
        later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        assert (await audit_page(admin, user=me["id"], since=later))["entries"] == []
        assert len((await audit_page(admin, user=me["id"], until=later))["entries"]) >= 7

        seen: list[int] = []
        cursor: int | None = None
        while True:
            params: dict[str, Any] = {"user": me["id"], "limit": 2}
            if cursor is not None:
                params["cursor"] = cursor
            page = await audit_page(admin, **params)
            seen += [entry["id"] for entry in page["entries"]]
            if (cursor := page["next_cursor"]) is None:
                break
        assert seen == sorted(seen, reverse=True)
        assert seen == [entry["id"] for entry in await eventually_page(admin, 7, user=me["id"])]


async def test_bad_filters_are_422_with_the_field(
    running_app: FastAPI, client_for: ClientFor, make_user: MakeUser, login: Login
) -> None:
    async with client_for(running_app) as admin:
        await login(admin, await make_user(admin=True))
        now = datetime.now(UTC)
        for params, field in (
            ({"since": now.isoformat(), "until": (now - timedelta(1)).isoformat()}, "until"),
            ({"since": "2026-01-01T00:00:00"}, "since"),  # no time zone
            ({"cursor": "abc"}, "cursor"),
            ({"limit": 0}, "limit"),
            ({"status": 42}, "status"),
            ({"user": "bob"}, "user"),
            # What Postgres cannot hold is refused before it gets there, never a 500:
            ({"endpoint": "/v1/\x00search"}, "endpoint"),  # text holds no NUL
            ({"cursor": 2**63}, "cursor"),  # past bigint
            ({"until": "0001-01-01T00:00:00+01:00"}, "until"),  # before year 1 in UTC
            ({"since": "9999-12-31T23:59:59-01:00"}, "since"),  # past year 9999 in UTC
        ):
            response = await admin.get("/v1/audit", params=params)
            assert response.status_code == 422, params
            assert response.json()["error"]["field"] == field, response.text


def insert_rows(database_url: str, rows: list[dict[str, Any]]) -> None:
    async def run() -> None:
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as connection:
                await connection.execute(insert(ApiRequest), rows)
        finally:
            await engine.dispose()

    run_async(run)


def row(endpoint: str) -> dict[str, Any]:
    return {
        "at": datetime.now(UTC),
        "service": "search-api",
        "method": "GET",
        "endpoint": endpoint,
        "status": 200,
        "latency_ms": 12.5,
        "user_id": uuid.UUID(int=7),
        "correlation_id": "cid-tail",
    }


def test_audit_tail_prints_the_latest_rows_then_follows_new_ones(
    database_url: str, unique_name: str
) -> None:
    first, later = f"/v1/{unique_name}/first", f"/v1/{unique_name}/later"
    insert_rows(database_url, [row(first)])
    env = os.environ | {"PARLEY_DATABASE_URL": database_url}
    argv = [sys.executable, "-m", "parley_cli", "audit", "tail", "-n", "1", "--interval", "0.2"]
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as tail:
        try:
            assert tail.stdout is not None
            shown = tail.stdout.readline()
            assert first in shown
            assert "search-api  GET" in shown
            assert f"200  12.5ms  user={uuid.UUID(int=7)}  cid=cid-tail" in shown
            insert_rows(database_url, [row(later)])
            deadline = time.monotonic() + 20
            followed = tail.stdout.readline()
            assert time.monotonic() < deadline
            assert later in followed
        finally:
            tail.terminate()
            tail.wait(timeout=10)


def test_audit_tail_without_follow_prints_and_exits(database_url: str, unique_name: str) -> None:
    insert_rows(database_url, [row(f"/v1/{unique_name}/{index}") for index in range(3)])
    env = os.environ | {"PARLEY_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "parley_cli", "audit", "tail", "-n", "2", "--no-follow"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split("  ")[3] for line in lines] == [
        f"/v1/{unique_name}/1",
        f"/v1/{unique_name}/2",
    ]
