"""``parley auth …``: users and administrators, source grants, the Telegram owner binding,
API tokens.

Each command reads the auth settings, builds the objects it needs from them (as the app's
lifespan does), opens one database transaction and commits it when the command succeeds.
Secrets are printed once (the API token) or read without echo (passwords).
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.errors import ParleyError
from parley_schema.logging import configure
from parley_schema.models import TokenScope
from parley_schema.settings import load_settings_or_exit
from pydantic import TypeAdapter, ValidationError
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession

from parley_auth.clock import utc_now
from parley_auth.grants.schemas import GrantCreate
from parley_auth.grants.service import grant_service
from parley_auth.main import build_telegram
from parley_auth.passwords import Hasher
from parley_auth.retention.schemas import RetentionRead, RetentionSet
from parley_auth.retention.service import retention_service
from parley_auth.settings import AuthSettings
from parley_auth.telegram.client import quiet_http_logs
from parley_auth.telegram.service import new_bind_code
from parley_auth.tokens.schemas import TokenCreate, TokenCreated
from parley_auth.tokens.service import token_service
from parley_auth.users.errors import UsernameTaken
from parley_auth.users.schemas import Password, Username
from parley_auth.users.service import UserService

T = TypeVar("T")

app = typer.Typer(
    help="Users and administrators, source grants, the Telegram owner binding and API tokens.",
    no_args_is_help=True,
)
token_app = typer.Typer(help="Project-scoped API tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")
retention_app = typer.Typer(
    help="An account's own retention window (overrides PARLEY_RETENTION_DAYS).",
    no_args_is_help=True,
)
app.add_typer(retention_app, name="retention")
console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def _settings() -> AuthSettings:
    settings = load_settings_or_exit(AuthSettings)
    configure(settings, service="auth-cli")
    quiet_http_logs()
    return settings


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(1)


def _run(settings: AuthSettings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction; a domain error becomes a one-line failure."""

    async def main() -> T:
        engine = create_engine(settings, application_name="parley-auth-cli")
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except ParleyError as error:
        raise _fail(error.message) from None


def _valid(kind: Any, value: str, name: str) -> str:
    try:
        result: str = TypeAdapter(kind).validate_python(value)
    except ValidationError as error:
        raise _fail(f"{name}: {error.errors()[0]['msg']}") from None
    return result


@app.command("create-user")
def create_user(
    username: Annotated[str, typer.Argument(help="3-32 letters, digits, '.', '_' or '-'.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    admin: Annotated[
        bool, typer.Option("--admin", help="An administrator (the first user always is one).")
    ] = False,
) -> None:
    """Create a user directly (the first one, an administrator, before Telegram is set up)."""
    name = _valid(Username, username, "username")
    if password_stdin:
        raw = sys.stdin.readline().rstrip("\n")
    else:
        raw = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    password = _valid(Password, raw, "password")
    settings = _settings()
    users = UserService(hasher=Hasher(settings))

    async def work(session: AsyncSession) -> bool:
        user = await users.create(session, username=name, password=password, admin=admin)
        return user.is_admin

    try:
        is_admin = _run(settings, work)
    except UsernameTaken:
        raise _fail(f"the username {name!r} is taken") from None
    console.print(f"created {'administrator' if is_admin else 'user'} [bold]{name}[/]")


def _grant_body(username: str, account: int, inbox: int | None) -> GrantCreate:
    try:
        return GrantCreate(username=username, account_id=account, inbox_id=inbox)
    except ValidationError as error:
        first = error.errors()[0]
        raise _fail(f"{first['loc'][0]}: {first['msg']}") from None


AccountOption = Annotated[int, typer.Option("--account", help="The Chatwoot account id.")]
InboxOption = Annotated[
    int | None, typer.Option("--inbox", help="Only this inbox of it (default: every inbox).")
]


@app.command("grant")
def grant(
    username: Annotated[str, typer.Argument(help="The user who may attach it.")],
    account: AccountOption,
    inbox: InboxOption = None,
) -> None:
    """Let a user attach a Chatwoot account (or one inbox of it) to projects they own."""
    body = _grant_body(username, account, inbox)
    settings = _settings()

    async def work(session: AsyncSession) -> None:
        await grant_service.grant(session, body, granted_by=None)

    _run(settings, work)
    what = f"inbox {inbox} of account {account}" if inbox is not None else f"account {account}"
    console.print(f"[bold]{body.username}[/] may attach {what}")


@app.command("revoke")
def revoke(
    username: Annotated[str, typer.Argument(help="The user whose grant is taken back.")],
    account: AccountOption,
    inbox: InboxOption = None,
) -> None:
    """Take back exactly that grant; sources already attached stay until an owner removes them."""
    body = _grant_body(username, account, inbox)
    settings = _settings()

    async def work(session: AsyncSession) -> None:
        await grant_service.revoke_matching(session, body)

    _run(settings, work)
    console.print(f"revoked the grant of [bold]{body.username}[/]")


@app.command("bind-telegram")
def bind_telegram(
    chat_id: Annotated[
        int | None, typer.Option(help="Bind this chat id directly instead of waiting.")
    ] = None,
    wait: Annotated[float, typer.Option(help="Seconds to wait for /start <code>.")] = 300,
) -> None:
    """Make a Telegram chat the owner's: signup PINs are sent there."""
    settings = _settings()
    if settings.telegram_bot_token is None:
        raise _fail("PARLEY_TELEGRAM_BOT_TOKEN is not set")
    telegram = build_telegram(settings)
    code = new_bind_code()
    if chat_id is None:
        console.print(f"Send this message to your bot from the owner's account:  /start {code}")

    async def work(session: AsyncSession) -> int:
        try:
            if chat_id is not None:
                return await telegram.bind(session, chat_id)
            return await telegram.bind_with_code(session, code, wait_s=wait)
        finally:
            await telegram.aclose()

    bound = _run(settings, work)
    console.print(f"bound Telegram chat {bound}; signup PINs go there now")


@token_app.command("create")
def create_token(
    project: Annotated[str, typer.Option(help="The project id.")],
    user: Annotated[str, typer.Option(help="The member the token acts for.")],
    name: Annotated[str, typer.Option(help="A name to recognise the token by.")] = "cli",
    expires_in_days: Annotated[int | None, typer.Option(min=1, max=3650)] = None,
    scope: Annotated[
        list[TokenScope] | None,
        typer.Option(help="private: may read private notes (the user must own the project)."),
    ] = None,
) -> None:
    """Create an API token for a member of a project; it is printed once."""
    try:
        project_id = uuid.UUID(project)
    except ValueError:
        raise _fail("--project must be a project id (uuid)") from None
    username = _valid(Username, user, "user")
    try:
        body = TokenCreate(name=name, expires_in_days=expires_in_days, scopes=scope or [])
    except ValidationError as error:
        raise _fail(f"name: {error.errors()[0]['msg']}") from None
    settings = _settings()

    async def work(session: AsyncSession) -> TokenCreated:
        return await token_service.create_for_member(
            session, username, project_id, body, now=utc_now()
        )

    created = _run(settings, work)
    err_console.print(f"token {created.prefix}… for project {project_id}; shown only this once:")
    console.print(created.token)


RetentionAccount = Annotated[int, typer.Option("--account", help="The Chatwoot account id.", min=1)]


def _show_retention(read: RetentionRead) -> None:
    window = "kept forever" if read.days is None else f"{read.days} days"
    console.print(f"account [bold]{read.account_id}[/]: {window} (its own window)")


@retention_app.command("set")
def set_retention(
    account: RetentionAccount,
    days: Annotated[
        int | None, typer.Option("--days", help="Delete messages older than this.", min=1)
    ] = None,
    forever: Annotated[
        bool, typer.Option("--forever", help="Keep this account's messages forever.")
    ] = False,
) -> None:
    """Give an account its own window: --days N, or --forever."""
    if (days is None) == (not forever):
        raise _fail("give exactly one of --days N or --forever")
    try:
        body = RetentionSet(days=days)
    except ValidationError as error:
        raise _fail(f"--days: {error.errors()[0]['msg']}") from None
    settings = _settings()

    async def work(session: AsyncSession) -> RetentionRead:
        return await retention_service.set(session, account, body, updated_by=None)

    _show_retention(_run(settings, work))


@retention_app.command("show")
def show_retention(account: RetentionAccount) -> None:
    """Print an account's own window (fails when it follows PARLEY_RETENTION_DAYS)."""
    settings = _settings()

    async def work(session: AsyncSession) -> RetentionRead:
        return await retention_service.get(session, account)

    _show_retention(_run(settings, work))


@retention_app.command("clear")
def clear_retention(account: RetentionAccount) -> None:
    """Remove an account's own window: it follows PARLEY_RETENTION_DAYS again."""
    settings = _settings()

    async def work(session: AsyncSession) -> None:
        await retention_service.clear(session, account)

    _run(settings, work)
    console.print(f"account [bold]{account}[/] follows PARLEY_RETENTION_DAYS again")
