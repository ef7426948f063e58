"""The session and CSRF cookies: how they are set and cleared."""

from __future__ import annotations

from fastapi import Response
from parley_authn import CSRF_COOKIE, SESSION_COOKIE, csrf_token_for

from parley_auth.settings import AuthSettings


class SessionCookies:
    def __init__(self, *, settings: AuthSettings) -> None:
        self._max_age = settings.session_absolute_ttl_s
        self._secure = settings.cookie_secure

    def set(self, response: Response, secret: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            secret,
            max_age=self._max_age,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self._secure,
        )
        # Readable by our own pages' scripts so they can echo it in X-CSRF-Token.
        response.set_cookie(
            CSRF_COOKIE,
            csrf_token_for(secret),
            max_age=self._max_age,
            path="/",
            httponly=False,
            samesite="lax",
            secure=self._secure,
        )

    def clear(self, response: Response) -> None:
        for name in (SESSION_COOKIE, CSRF_COOKIE):
            response.delete_cookie(
                name, path="/", secure=self._secure, httponly=True, samesite="lax"
            )
