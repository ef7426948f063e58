"""``/v1/auth/login``, ``/logout``, ``/logout-all``, ``/me``, ``/session/active-project``."""

from __future__ import annotations

from fastapi import APIRouter, Response
from parley_runtime.database import SessionDep

from parley_auth.deps import (
    ClientAddressDep,
    CurrentPrincipal,
    CurrentUser,
    NowDep,
    SessionCookiesDep,
    SessionServiceDep,
)
from parley_auth.sessions.schemas import ActiveProjectUpdate, LoginRequest, MeRead, SessionCreated

router = APIRouter(tags=["sessions"])


@router.post("/login")
async def login(
    body: LoginRequest,
    response: Response,
    session: SessionDep,
    sessions: SessionServiceDep,
    cookies: SessionCookiesDep,
    address: ClientAddressDep,
    now: NowDep,
) -> SessionCreated:
    result = await sessions.login(session, body, address=address, now=now)
    cookies.set(response, result.secret)
    return result.created


@router.post("/logout", status_code=204)
async def logout(
    me: CurrentUser,
    session: SessionDep,
    sessions: SessionServiceDep,
    cookies: SessionCookiesDep,
    response: Response,
) -> None:
    await sessions.logout(session, me)
    cookies.clear(response)


@router.post("/logout-all", status_code=204)
async def logout_all(
    me: CurrentUser,
    session: SessionDep,
    sessions: SessionServiceDep,
    cookies: SessionCookiesDep,
    response: Response,
) -> None:
    await sessions.logout_all(session, me)
    cookies.clear(response)


@router.get("/me")
async def read_me(me: CurrentPrincipal, sessions: SessionServiceDep) -> MeRead:
    return sessions.me(me)


@router.put("/session/active-project")
async def set_active_project(
    body: ActiveProjectUpdate, me: CurrentUser, session: SessionDep, sessions: SessionServiceDep
) -> MeRead:
    return await sessions.set_active_project(session, me, body)
