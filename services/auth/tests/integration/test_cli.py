"""``parley auth create-user``, ``bind-telegram`` and ``token create`` against a real database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from parley_auth.cli import app
from parley_authn import authenticate
from parley_schema.models import AppSetting, AppUser, Project, ProjectMember, SourceGrant
from parley_testing.postgres import run_async
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from typer.testing import CliRunner

runner = CliRunner()


def env_for(database_url: str, **extra: str) -> dict[str, str]:
    return {
        "PARLEY_DATABASE_URL": database_url,
        "PARLEY_ARGON2_TIME_COST": "1",
        "PARLEY_ARGON2_MEMORY_KIB": "8192",
        **extra,
    }


def query(database_url: str, statement: Any) -> Any:
    async def run() -> Any:
        engine = create_async_engine(database_url)
        try:
            async with engine.begin() as connection:
                return (await connection.execute(statement)).all()
        finally:
            await engine.dispose()

    return run_async(run)


def test_create_user_reads_the_password_without_echo(database_url: str, unique_name: str) -> None:
    result = runner.invoke(
        app,
        ["create-user", unique_name.upper(), "--password-stdin"],
        input="a long enough password\n",
        env=env_for(database_url),
    )
    assert result.exit_code == 0, result.output
    assert "a long enough password" not in result.output
    [(stored,)] = query(
        database_url, select(AppUser.password_hash).where(AppUser.username == unique_name)
    )
    assert stored.startswith("$argon2id$")
    again = runner.invoke(
        app,
        ["create-user", unique_name, "--password-stdin"],
        input="a long enough password\n",
        env=env_for(database_url),
    )
    assert again.exit_code == 1
    assert "taken" in again.output


def test_create_user_makes_an_administrator_when_asked(database_url: str, unique_name: str) -> None:
    query(
        database_url,
        insert(AppUser)
        .values(username=f"{unique_name}-first", password_hash="!")
        .returning(AppUser.id),
    )
    for name, flags, admin in ((unique_name, [], False), (f"{unique_name}-a", ["--admin"], True)):
        result = runner.invoke(
            app,
            ["create-user", name, "--password-stdin", *flags],
            input="a long enough password\n",
            env=env_for(database_url),
        )
        assert result.exit_code == 0, result.output
        assert ("administrator" in result.output) is admin
        [(stored,)] = query(database_url, select(AppUser.is_admin).where(AppUser.username == name))
        assert stored is admin


def test_grant_and_revoke_a_source(database_url: str, unique_name: str) -> None:
    query(
        database_url,
        insert(AppUser).values(username=unique_name, password_hash="!").returning(AppUser.id),
    )
    env = env_for(database_url)
    granted = runner.invoke(app, ["grant", unique_name, "--account", "3", "--inbox", "9"], env=env)
    assert granted.exit_code == 0, granted.output
    assert query(
        database_url,
        select(SourceGrant.account_id, SourceGrant.inbox_id, SourceGrant.granted_by)
        .join(AppUser, AppUser.id == SourceGrant.user_id)
        .where(AppUser.username == unique_name),
    ) == [(3, 9, None)]
    whole = runner.invoke(app, ["revoke", unique_name, "--account", "3"], env=env)
    assert whole.exit_code == 1  # no grant of the whole account
    assert "no grant" in whole.output
    revoked = runner.invoke(app, ["revoke", unique_name, "--account", "3", "--inbox", "9"], env=env)
    assert revoked.exit_code == 0, revoked.output
    unknown = runner.invoke(app, ["grant", "nobody-at-all", "--account", "3"], env=env)
    assert (unknown.exit_code, "no such user" in unknown.output) == (1, True)
    bad = runner.invoke(app, ["grant", unique_name, "--account", "0"], env=env)
    assert (bad.exit_code, "account_id" in bad.output) == (1, True)


def test_create_user_refuses_a_short_password(database_url: str, unique_name: str) -> None:
    result = runner.invoke(
        app,
        ["create-user", unique_name, "--password-stdin"],
        input="short\n",
        env=env_for(database_url),
    )
    assert result.exit_code == 1
    assert "password" in result.output


def test_token_create_prints_a_working_token_once(database_url: str, unique_name: str) -> None:
    runner.invoke(
        app,
        ["create-user", unique_name, "--password-stdin"],
        input="a long enough password\n",
        env=env_for(database_url),
    )
    [(user_id,)] = query(database_url, select(AppUser.id).where(AppUser.username == unique_name))
    project_id = uuid.uuid4()
    query(
        database_url,
        insert(Project).values(id=project_id, name="p").returning(Project.id),
    )
    query(
        database_url,
        insert(ProjectMember)
        .values(project_id=project_id, user_id=user_id, role="owner")
        .returning(ProjectMember.user_id),
    )
    result = runner.invoke(
        app,
        [
            "token",
            "create",
            "--project",
            str(project_id),
            "--user",
            unique_name,
            "--name",
            "ci",
            "--scope",
            "private",
        ],
        env=env_for(database_url),
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("prl_")

    async def resolve() -> Any:
        engine = create_async_engine(database_url)
        try:
            async with AsyncSession(engine) as session:
                resolved = await authenticate(
                    session,
                    cookie=None,
                    authorization_header=f"Bearer {token}",
                    now=datetime.now(UTC),
                    idle_timeout=timedelta(hours=1),
                )
                return None if resolved is None else resolved.principal
        finally:
            await engine.dispose()

    principal = run_async(resolve)
    assert principal is not None
    assert (principal.project_id, principal.scopes) == (project_id, {"private"})


def test_token_create_refuses_non_members(database_url: str, unique_name: str) -> None:
    result = runner.invoke(
        app,
        ["token", "create", "--project", str(uuid.uuid4()), "--user", unique_name],
        env=env_for(database_url),
    )
    assert result.exit_code == 1
    assert "not a member" in result.output


def test_bind_telegram_with_a_chat_id_greets_and_stores_it(
    database_url: str, fake_telegram: Any
) -> None:
    result = runner.invoke(
        app,
        ["bind-telegram", "--chat-id", "777"],
        env=env_for(
            database_url,
            PARLEY_TELEGRAM_BOT_TOKEN=fake_telegram.token,
            PARLEY_TELEGRAM_API_BASE_URL=fake_telegram.base_url,
        ),
    )
    assert result.exit_code == 0, result.output
    assert fake_telegram.sent[-1]["chat_id"] == 777
    assert query(
        database_url, select(AppSetting.value).where(AppSetting.key == "telegram_owner_chat_id")
    ) == [("777",)]
    assert fake_telegram.token not in result.output


def test_bind_telegram_needs_a_bot_token(database_url: str) -> None:
    result = runner.invoke(app, ["bind-telegram", "--chat-id", "1"], env=env_for(database_url))
    assert result.exit_code == 1
    assert "PARLEY_TELEGRAM_BOT_TOKEN" in result.output
