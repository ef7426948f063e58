"""Resolving cookies and bearer tokens against the real schema (rolled back per test)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from parley_authn import (
    TOUCH_INTERVAL,
    CredentialKind,
    Principal,
    SourceGrant,
    authenticate,
    hash_secret,
    new_api_token,
    new_bearer_session_secret,
    new_session_secret,
    shown_prefix,
)
from parley_schema.models import ApiToken, AppUser, Project, ProjectMember, ProjectSource, Session
from parley_testing.statements import recorded_statements
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
IDLE = timedelta(hours=12)


async def by_cookie(
    session: AsyncSession, cookie: str, *, now: datetime, idle_timeout: timedelta
) -> Principal | None:
    resolved = await authenticate(
        session, cookie=cookie, authorization_header=None, now=now, idle_timeout=idle_timeout
    )
    return None if resolved is None else resolved.principal


async def by_token(session: AsyncSession, token: str, *, now: datetime) -> Principal | None:
    resolved = await authenticate(
        session, cookie=None, authorization_header=f"Bearer {token}", now=now, idle_timeout=IDLE
    )
    return None if resolved is None else resolved.principal


async def make_user(session: AsyncSession, *, is_admin: bool = False) -> AppUser:
    user = AppUser(username=f"user-{uuid.uuid4().hex[:10]}", password_hash="x", is_admin=is_admin)
    session.add(user)
    await session.flush()
    return user


async def make_project(session: AsyncSession, user: AppUser, role: str = "owner") -> Project:
    project = Project(name="support")
    session.add(project)
    await session.flush()
    session.add(ProjectMember(project_id=project.id, user_id=user.id, role=role))
    await session.flush()
    return project


async def make_session(
    session: AsyncSession,
    user: AppUser,
    *,
    project: Project | None = None,
    last_seen_at: datetime = NOW,
    expires_at: datetime = NOW + timedelta(days=7),
    secret: str | None = None,
) -> str:
    secret = secret or new_session_secret()
    session.add(
        Session(
            session_id=hash_secret(secret),
            user_id=user.id,
            active_project_id=project.id if project else None,
            last_seen_at=last_seen_at,
            expires_at=expires_at,
        )
    )
    await session.flush()
    return secret


async def make_token(
    session: AsyncSession,
    user: AppUser,
    project: Project,
    *,
    expires_at: datetime | None = None,
    revoked_at: datetime | None = None,
    last_used_at: datetime | None = None,
    scopes: tuple[str, ...] = (),
) -> tuple[str, ApiToken]:
    token = new_api_token()
    row = ApiToken(
        project_id=project.id,
        user_id=user.id,
        name="ci",
        prefix=shown_prefix(token),
        token_hash=hash_secret(token),
        expires_at=expires_at,
        revoked_at=revoked_at,
        last_used_at=last_used_at,
        scopes=list(scopes),
    )
    session.add(row)
    await session.flush()
    return token, row


async def last_seen(session: AsyncSession, secret: str) -> datetime:
    value = await session.scalar(
        select(Session.last_seen_at)
        .where(Session.session_id == hash_secret(secret))
        .execution_options(populate_existing=True)
    )
    assert value is not None
    return value


class TestResolveSession:
    async def test_valid_cookie_resolves_to_user_project_and_role(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user, role="member")
        secret = await make_session(db_session, user, project=project)
        principal = await by_cookie(db_session, secret, now=NOW, idle_timeout=IDLE)
        assert principal is not None
        assert (principal.user_id, principal.username) == (user.id, user.username)
        assert (principal.project_id, principal.role) == (project.id, "member")
        assert principal.kind is CredentialKind.SESSION
        assert principal.credential_id == hash_secret(secret)

    async def test_only_the_hash_is_stored(self, db_session: AsyncSession) -> None:
        user = await make_user(db_session)
        secret = await make_session(db_session, user)
        stored = await db_session.scalars(select(Session.session_id))
        assert secret not in set(stored)

    async def test_unknown_cookie_is_rejected(self, db_session: AsyncSession) -> None:
        assert await by_cookie(db_session, "nope", now=NOW, idle_timeout=IDLE) is None

    async def test_expired_session_is_rejected(self, db_session: AsyncSession) -> None:
        user = await make_user(db_session)
        secret = await make_session(db_session, user, expires_at=NOW)
        assert await by_cookie(db_session, secret, now=NOW, idle_timeout=IDLE) is None

    async def test_idle_session_is_rejected(self, db_session: AsyncSession) -> None:
        user = await make_user(db_session)
        secret = await make_session(db_session, user, last_seen_at=NOW - IDLE)
        assert await by_cookie(db_session, secret, now=NOW, idle_timeout=IDLE) is None

    async def test_session_without_active_project_has_no_role(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        secret = await make_session(db_session, user)
        principal = await by_cookie(db_session, secret, now=NOW, idle_timeout=IDLE)
        assert principal is not None
        assert (principal.project_id, principal.role) == (None, None)

    async def test_active_project_the_user_left_is_dropped(self, db_session: AsyncSession) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        secret = await make_session(db_session, user, project=project)
        await db_session.execute(delete(ProjectMember).where(ProjectMember.user_id == user.id))
        principal = await by_cookie(db_session, secret, now=NOW, idle_timeout=IDLE)
        assert principal is not None
        assert (principal.project_id, principal.role) == (None, None)

    async def test_last_seen_is_touched_at_most_once_per_interval(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        secret = await make_session(db_session, user, last_seen_at=NOW)
        soon = NOW + TOUCH_INTERVAL / 2
        await by_cookie(db_session, secret, now=soon, idle_timeout=IDLE)
        assert await last_seen(db_session, secret) == NOW
        later = NOW + TOUCH_INTERVAL * 2
        await by_cookie(db_session, secret, now=later, idle_timeout=IDLE)
        assert await last_seen(db_session, secret) == later

    async def test_naive_now_is_refused(self, db_session: AsyncSession) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            await by_cookie(db_session, "x", now=datetime(2026, 1, 1), idle_timeout=IDLE)


class TestResolveApiToken:
    async def test_valid_token_resolves_to_its_project_and_role(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        token, row = await make_token(db_session, user, project)
        principal = await by_token(db_session, token, now=NOW)
        assert principal is not None
        assert (principal.user_id, principal.project_id, principal.role) == (
            user.id,
            project.id,
            "owner",
        )
        assert principal.kind is CredentialKind.API_TOKEN
        assert principal.credential_id == str(row.id)

    async def test_revoked_token_is_rejected(self, db_session: AsyncSession) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        token, _ = await make_token(db_session, user, project, revoked_at=NOW)
        assert await by_token(db_session, token, now=NOW) is None

    async def test_expired_token_is_rejected(self, db_session: AsyncSession) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        token, _ = await make_token(db_session, user, project, expires_at=NOW)
        assert await by_token(db_session, token, now=NOW) is None
        unexpired, _ = await make_token(
            db_session, user, project, expires_at=NOW + timedelta(seconds=1)
        )
        assert await by_token(db_session, unexpired, now=NOW) is not None

    async def test_token_of_a_user_who_left_the_project_is_rejected(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        token, _ = await make_token(db_session, user, project)
        await db_session.execute(delete(ProjectMember).where(ProjectMember.user_id == user.id))
        assert await by_token(db_session, token, now=NOW) is None

    async def test_unknown_or_unprefixed_token_is_rejected(self, db_session: AsyncSession) -> None:
        assert await by_token(db_session, new_api_token(), now=NOW) is None
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        token, _ = await make_token(db_session, user, project)
        assert await by_token(db_session, token.removeprefix("prl_"), now=NOW) is None

    async def test_last_used_is_touched_at_most_once_per_interval(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        token, row = await make_token(db_session, user, project)

        async def last_used() -> datetime | None:
            return await db_session.scalar(
                select(ApiToken.last_used_at)
                .where(ApiToken.id == row.id)
                .execution_options(populate_existing=True)
            )

        await by_token(db_session, token, now=NOW)
        assert await last_used() == NOW
        await by_token(db_session, token, now=NOW + TOUCH_INTERVAL / 2)
        assert await last_used() == NOW
        await by_token(db_session, token, now=NOW + TOUCH_INTERVAL * 2)
        assert await last_used() == NOW + TOUCH_INTERVAL * 2


class TestAuthenticate:
    async def test_bearer_header_wins_and_never_falls_back_to_the_cookie(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        cookie = await make_session(db_session, user)
        token, _ = await make_token(db_session, user, project)
        by_token = await authenticate(
            db_session,
            cookie=cookie,
            authorization_header=f"Bearer {token}",
            now=NOW,
            idle_timeout=IDLE,
        )
        assert by_token is not None
        assert by_token.principal.kind is CredentialKind.API_TOKEN
        bad = await authenticate(
            db_session,
            cookie=cookie,
            authorization_header="Bearer prl_wrong",
            now=NOW,
            idle_timeout=IDLE,
        )
        assert bad is None
        basic = await authenticate(
            db_session, cookie=cookie, authorization_header="Basic eDp5", now=NOW, idle_timeout=IDLE
        )
        assert basic is None

    async def test_a_bearer_session_resolves_like_its_cookie(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        secret = new_bearer_session_secret()
        await make_session(db_session, user, project=project, secret=secret)
        principal = await by_token(db_session, secret, now=NOW)
        assert principal is not None
        assert principal.kind is CredentialKind.SESSION
        assert (principal.user_id, principal.project_id, principal.role) == (
            user.id,
            project.id,
            "owner",
        )
        assert await by_token(db_session, secret, now=NOW + IDLE + timedelta(seconds=1)) is None

    async def test_a_cookie_session_is_no_bearer_token(self, db_session: AsyncSession) -> None:
        user = await make_user(db_session)
        cookie = await make_session(db_session, user)
        assert await by_token(db_session, cookie, now=NOW) is None

    async def test_cookie_alone_resolves_the_session(self, db_session: AsyncSession) -> None:
        user = await make_user(db_session)
        cookie = await make_session(db_session, user)
        resolved = await authenticate(
            db_session, cookie=cookie, authorization_header=None, now=NOW, idle_timeout=IDLE
        )
        assert resolved is not None
        assert resolved.principal.kind is CredentialKind.SESSION

    async def test_no_credentials_resolve_to_nobody(self, db_session: AsyncSession) -> None:
        assert (
            await authenticate(
                db_session, cookie=None, authorization_header=None, now=NOW, idle_timeout=IDLE
            )
            is None
        )


class TestRights:
    """Administrators and the ``private`` scope come from the same query as the principal."""

    async def test_admin_flag_comes_with_sessions_and_tokens(
        self, db_session: AsyncSession
    ) -> None:
        admin = await make_user(db_session, is_admin=True)
        plain = await make_user(db_session)
        project = await make_project(db_session, admin)
        admin_token, _ = await make_token(db_session, admin, project)
        for cookie, expected in (
            (await make_session(db_session, admin), True),
            (await make_session(db_session, plain), False),
        ):
            principal = await by_cookie(db_session, cookie, now=NOW, idle_timeout=IDLE)
            assert principal is not None
            assert principal.is_admin is expected
        principal = await by_token(db_session, admin_token, now=NOW)
        assert principal is not None
        assert principal.is_admin

    async def test_a_session_reads_private_notes_only_as_owner_of_its_active_project(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        owned = await make_project(db_session, user, role="owner")
        joined = await make_project(db_session, user, role="member")
        for project, scopes in ((owned, {"private"}), (joined, set()), (None, set())):
            cookie = await make_session(db_session, user, project=project)
            principal = await by_cookie(db_session, cookie, now=NOW, idle_timeout=IDLE)
            assert principal is not None
            assert principal.scopes == scopes

    async def test_a_token_has_its_own_scopes_and_private_only_while_its_user_owns(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user, role="owner")
        private, _ = await make_token(db_session, user, project, scopes=("private",))
        plain, _ = await make_token(db_session, user, project)

        async def scopes_of(token: str) -> frozenset[str]:
            principal = await by_token(db_session, token, now=NOW)
            assert principal is not None
            return principal.scopes

        assert (await scopes_of(private), await scopes_of(plain)) == (
            frozenset({"private"}),
            frozenset(),
        )
        await db_session.execute(
            update(ProjectMember).where(ProjectMember.user_id == user.id).values(role="member")
        )
        assert await scopes_of(private) == frozenset()


async def add_sources(
    session: AsyncSession, project: Project, sources: list[tuple[int, int | None]]
) -> None:
    session.add_all(
        ProjectSource(project_id=project.id, account_id=a, inbox_id=i) for a, i in sources
    )
    await session.flush()


async def with_sources(
    session: AsyncSession, *, cookie: str | None = None, token: str | None = None
) -> tuple[uuid.UUID | None, tuple[SourceGrant, ...]] | None:
    resolved = await authenticate(
        session,
        cookie=cookie,
        authorization_header=None if token is None else f"Bearer {token}",
        now=NOW,
        idle_timeout=IDLE,
    )
    return None if resolved is None else (resolved.principal.project_id, resolved.sources)


class TestSources:
    """The principal's project's sources come with it, from the same query."""

    async def test_token_and_session_carry_their_projects_sources_in_order(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        other = await make_project(db_session, user)
        await add_sources(db_session, project, [(2, None), (1, 7), (1, None), (1, 3)])
        await add_sources(db_session, other, [(9, None)])
        token, _ = await make_token(db_session, user, project)
        cookie = await make_session(db_session, user, project=project)
        expected = (
            project.id,
            (SourceGrant(1, 3), SourceGrant(1, 7), SourceGrant(1, None), SourceGrant(2, None)),
        )

        assert await with_sources(db_session, token=token) == expected
        assert await with_sources(db_session, cookie=cookie) == expected

    async def test_no_project_or_no_sources_is_empty(self, db_session: AsyncSession) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        token, _ = await make_token(db_session, user, project)
        without_project = await make_session(db_session, user)

        assert await with_sources(db_session, token=token) == (project.id, ())
        assert await with_sources(db_session, cookie=without_project) == (None, ())

    async def test_a_project_the_user_left_yields_no_sources(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        await add_sources(db_session, project, [(1, None)])
        cookie = await make_session(db_session, user, project=project)
        token, _ = await make_token(db_session, user, project)
        await db_session.execute(delete(ProjectMember).where(ProjectMember.user_id == user.id))

        assert await with_sources(db_session, cookie=cookie) == (None, ())
        assert await with_sources(db_session, token=token) is None

    async def test_revocation_and_logout_count_on_the_next_call(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        await add_sources(db_session, project, [(1, None)])
        token, row = await make_token(db_session, user, project)
        cookie = await make_session(db_session, user, project=project)
        assert await with_sources(db_session, token=token) is not None
        assert await with_sources(db_session, cookie=cookie) is not None

        row.revoked_at = NOW
        await db_session.execute(delete(Session).where(Session.session_id == hash_secret(cookie)))
        await db_session.flush()

        assert await with_sources(db_session, token=token) is None
        assert await with_sources(db_session, cookie=cookie) is None

    async def test_bad_or_missing_credentials_resolve_to_nobody(
        self, db_session: AsyncSession
    ) -> None:
        assert await with_sources(db_session) is None
        assert await with_sources(db_session, token="prl_wrong") is None
        assert await with_sources(db_session, cookie="unknown") is None


class TestIndexedLookups:
    """Each resolver is one query that finds its row through a unique index."""

    async def test_a_fresh_credential_with_its_sources_costs_one_statement(
        self, db_session: AsyncSession
    ) -> None:
        user = await make_user(db_session)
        project = await make_project(db_session, user)
        await add_sources(db_session, project, [(1, None), (2, 5)])
        cookie = await make_session(db_session, user, project=project)
        token, _ = await make_token(db_session, user, project, last_used_at=NOW)
        with recorded_statements(db_session) as statements:
            assert await with_sources(db_session, cookie=cookie)
            assert await with_sources(db_session, token=token)
        assert len(statements) == 2, statements

    async def test_lookups_use_the_primary_and_unique_indexes(
        self, db_session: AsyncSession
    ) -> None:
        await db_session.execute(text("SET LOCAL enable_seqscan = off"))
        for sql, index in (
            ("SELECT 1 FROM sessions WHERE session_id = 'x'", "pk_sessions"),
            ("SELECT 1 FROM api_tokens WHERE token_hash = 'x'", "uq_api_tokens_token_hash"),
            (
                "SELECT account_id FROM project_sources"
                " WHERE project_id = '00000000-0000-0000-0000-000000000000'",
                "uq_project_sources_project_account_inbox",
            ),
        ):
            plan = "\n".join(row[0] for row in await db_session.execute(text(f"EXPLAIN {sql}")))
            assert index in plan
