"""The session and CSRF cookies: how they are set and cleared."""

from __future__ import annotations

from fastapi import Response
from parley_authn import CSRF_COOKIE, SESSION_COOKIE, csrf_token_for

from parley_auth.settings import AuthSettings


def set_session_cookies(response: Response, secret: str, settings: AuthSettings) -> None:
    max_age = settings.session_absolute_ttl_s
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
    )
    # Readable by our own pages' scripts so they can echo it in X-CSRF-Token.
    response.set_cookie(
        CSRF_COOKIE,
        csrf_token_for(secret),
        max_age=max_age,
        path="/",
        httponly=False,
        samesite="lax",
        secure=settings.cookie_secure,
    )


def clear_session_cookies(response: Response, settings: AuthSettings) -> None:
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(
            name, path="/", secure=settings.cookie_secure, httponly=True, samesite="lax"
        )
