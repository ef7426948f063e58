"""``/v1/auth/login``, ``/logout``, ``/logout-all``, ``/me``, ``/session/active-project``."""

from __future__ import annotations

from fastapi import APIRouter, Response
from parley_runtime.database import SessionDep

from parley_auth.cookies import clear_session_cookies, set_session_cookies
from parley_auth.deps import (
    ClientAddressDep,
    CurrentPrincipal,
    CurrentUser,
    HasherDep,
    NowDep,
    SessionFactoryDep,
    SettingsDep,
)
from parley_auth.sessions.schemas import ActiveProjectUpdate, LoginRequest, MeRead, SessionCreated
from parley_auth.sessions.service import session_service

router = APIRouter(tags=["sessions"])


@router.post("/login")
async def login(
    body: LoginRequest,
    response: Response,
    session: SessionDep,
    factory: SessionFactoryDep,
    hasher: HasherDep,
    settings: SettingsDep,
    address: ClientAddressDep,
    now: NowDep,
) -> SessionCreated:
    result = await session_service.login(
        session, factory, hasher, settings, body, address=address, now=now
    )
    set_session_cookies(response, result.secret, settings)
    return result.created


@router.post("/logout", status_code=204)
async def logout(
    me: CurrentUser, session: SessionDep, settings: SettingsDep, response: Response
) -> None:
    await session_service.logout(session, me)
    clear_session_cookies(response, settings)


@router.post("/logout-all", status_code=204)
async def logout_all(
    me: CurrentUser, session: SessionDep, settings: SettingsDep, response: Response
) -> None:
    await session_service.logout_all(session, me)
    clear_session_cookies(response, settings)


@router.get("/me")
async def read_me(me: CurrentPrincipal) -> MeRead:
    return session_service.me(me)


@router.put("/session/active-project")
async def set_active_project(
    body: ActiveProjectUpdate, me: CurrentUser, session: SessionDep
) -> MeRead:
    return await session_service.set_active_project(session, me, body)
