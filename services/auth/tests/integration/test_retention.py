"""An administrator's retention window per Chatwoot account: the API and ``parley auth retention``."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from parley_auth.cli import app as auth_cli
from parley_schema.models import AccountRetention
from parley_testing.postgres import run_async
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner

MakeUser = Callable[..., Coroutine[Any, Any, str]]
Login = Callable[..., Coroutine[Any, Any, str]]
ClientFor = Callable[..., httpx.AsyncClient]


def url(account_id: int | str) -> str:
    return f"/v1/auth/admin/accounts/{account_id}/retention"


@pytest.fixture
def account_id() -> int:
    """An account no other test of the module uses."""
    return random.randint(10_000, 10**12)


@pytest.fixture
async def admin(
    running_app: FastAPI, make_user: MakeUser, login: Login, client_for: ClientFor
) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(running_app) as client:
        await login(client, await make_user(admin=True))
        yield client


class TestRetentionApi:
    async def test_an_admin_sets_reads_changes_and_clears_a_window(
        self, admin: httpx.AsyncClient, account_id: int
    ) -> None:
        assert (await admin.get(url(account_id))).json()["error"]["code"] == "retention_not_set"
        put = await admin.put(url(account_id), json={"days": 30})
        assert put.status_code == 200, put.text
        me = (await admin.get("/v1/auth/me")).json()["user"]["id"]
        assert (put.json()["days"], put.json()["updated_by"]) == (30, me)
        forever = await admin.put(url(account_id), json={"days": None})
        assert forever.json()["days"] is None
        read = await admin.get(url(account_id))
        assert (read.status_code, read.json()["account_id"], read.json()["days"]) == (
            200,
            account_id,
            None,
        )
        assert (await admin.delete(url(account_id))).status_code == 204
        again = await admin.delete(url(account_id))
        assert (again.status_code, again.json()["error"]["code"]) == (404, "retention_not_set")

    async def test_a_non_admin_is_refused_and_nothing_is_written(
        self,
        another_user: tuple[httpx.AsyncClient, str],
        admin: httpx.AsyncClient,
        account_id: int,
    ) -> None:
        user, _ = another_user
        for response in (
            await user.put(url(account_id), json={"days": 1}),
            await user.get(url(account_id)),
            await user.delete(url(account_id)),
        ):
            assert (response.status_code, response.json()["error"]["code"]) == (
                403,
                "admin_required",
            )
        assert (await admin.get(url(account_id))).status_code == 404

    async def test_no_credentials_is_401(self, client: httpx.AsyncClient, account_id: int) -> None:
        assert (await client.get(url(account_id))).status_code == 401

    @pytest.mark.parametrize(
        ("account", "body"),
        [
            ("0", {"days": 5}),
            ("x", {"days": 5}),
            ("1", {"days": 0}),
            ("1", {"days": -3}),
            ("1", {"days": "thirty"}),
            ("1", {"days": 10**9}),
            ("1", {}),
        ],
    )
    async def test_bad_input_is_422(
        self, admin: httpx.AsyncClient, account: str, body: dict[str, Any]
    ) -> None:
        response = await admin.put(url(account), json=body)
        assert (response.status_code, response.json()["error"]["code"]) == (
            422,
            "validation_error",
        ), response.text


runner = CliRunner()


def stored_days(database_url: str, account_id: int) -> list[int | None]:
    async def run() -> list[int | None]:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    select(AccountRetention.retention_days).where(
                        AccountRetention.account_id == account_id
                    )
                )
                return [row[0] for row in rows]
        finally:
            await engine.dispose()

    return run_async(run)


def test_the_cli_sets_shows_and_clears_a_window(database_url: str, account_id: int) -> None:
    env = {"PARLEY_DATABASE_URL": database_url}
    account = ["--account", str(account_id)]
    shown = runner.invoke(auth_cli, ["retention", "show", *account], env=env)
    assert shown.exit_code == 1
    assert "PARLEY_RETENTION_DAYS" in shown.output
    done = runner.invoke(auth_cli, ["retention", "set", *account, "--days", "90"], env=env)
    assert done.exit_code == 0, done.output
    assert stored_days(database_url, account_id) == [90]
    done = runner.invoke(auth_cli, ["retention", "set", *account, "--forever"], env=env)
    assert "kept forever" in done.output
    assert stored_days(database_url, account_id) == [None]
    both = runner.invoke(
        auth_cli, ["retention", "set", *account, "--forever", "--days", "3"], env=env
    )
    assert both.exit_code == 1
    assert stored_days(database_url, account_id) == [None]
    assert runner.invoke(auth_cli, ["retention", "clear", *account], env=env).exit_code == 0
    assert stored_days(database_url, account_id) == []
