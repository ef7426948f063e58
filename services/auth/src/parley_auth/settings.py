"""The auth service's settings (``PARLEY_*`` environment variables)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Annotated

from parley_authn.settings import SessionSeconds, SessionSettings
from parley_runtime.audit.settings import AuditSettings
from parley_schema.settings import load_settings_or_exit
from pydantic import Field, HttpUrl, SecretStr

Seconds = Annotated[int, Field(ge=1)]
# scheme://host[:port], as a browser sends it in ``Origin``.
Origin = Annotated[str, Field(pattern=r"^https?://[A-Za-z0-9.\-\[\]:]+$", max_length=300)]


class AuthSettings(SessionSettings, AuditSettings):
    # Every auth statement is an indexed lookup or a small write: bound them tighter.
    statement_timeout_s: Annotated[float, Field(ge=0.001, le=600)] = 2.0
    # Telegram: the bot that sends signup PINs to the instance owner. Signup is open only
    # while a bot token is set and the owner's chat is bound, or with signup_dev_pin_log.
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: HttpUrl = HttpUrl("https://api.telegram.org")
    telegram_timeout_s: Annotated[float, Field(gt=0, le=60)] = 10.0

    signup_pin_ttl_s: Seconds = 15 * 60
    signup_max_pin_attempts: Annotated[int, Field(ge=1, le=20)] = 5
    # Development only: without a bound Telegram owner, write each PIN to this service's log
    # (a warning says so) instead of refusing signup (503 signup_unavailable).
    signup_dev_pin_log: bool = False
    # Unexpired, unused signup requests at once (every client together); past it 429.
    signup_pending_limit: Annotated[int, Field(ge=1)] = 20
    # Wrong PINs per window across every request and client; past it every confirmation
    # answers 429 until the window ends.
    signup_pin_failure_limit: Annotated[int, Field(ge=1)] = 100
    signup_pin_failure_window_s: Seconds = 60 * 60

    cookie_secure: bool = True  # set false only for plain-http local development
    # Sessions the web UI holds in sessionStorage (POST /v1/auth/login/token): shorter-lived
    # than cookies, as a script can read them.
    app_session_ttl_s: SessionSeconds = 8 * 60 * 60
    # Origins whose pages may call this API from a browser (CORS, without cookies): the web
    # UI's when it is served from another origin than auth's (``parley up``: search-api's).
    cors_origins: list[Origin] = []

    # argon2id cost for passwords and PINs (OWASP minimum is t=2, m=19 MiB).
    argon2_time_cost: Annotated[int, Field(ge=1, le=10)] = 3
    argon2_memory_kib: Annotated[int, Field(ge=8, le=1024 * 1024)] = 64 * 1024
    argon2_parallelism: Annotated[int, Field(ge=1, le=16)] = 1

    # Rate limits: at most N attempts per fixed window, per client address (IPv6: per /64)
    # and per username (signup, confirmation) or per (username, address) (login: failures
    # from one address never lock the user out from another).
    rate_limit_window_s: Seconds = 15 * 60
    login_limit_per_user_address: Annotated[int, Field(ge=1)] = 10
    login_limit_per_address: Annotated[int, Field(ge=1)] = 50
    signup_limit_per_user: Annotated[int, Field(ge=1)] = 3
    signup_limit_per_address: Annotated[int, Field(ge=1)] = 10
    confirm_limit_per_user: Annotated[int, Field(ge=1)] = 10
    confirm_limit_per_address: Annotated[int, Field(ge=1)] = 30

    @property
    def app_session_ttl(self) -> timedelta:
        return timedelta(seconds=self.app_session_ttl_s)

    @property
    def signup_pin_ttl(self) -> timedelta:
        return timedelta(seconds=self.signup_pin_ttl_s)

    @property
    def rate_limit_window(self) -> timedelta:
        return timedelta(seconds=self.rate_limit_window_s)

    @property
    def signup_pin_failure_window(self) -> timedelta:
        return timedelta(seconds=self.signup_pin_failure_window_s)


@lru_cache(maxsize=1)
def get_settings() -> AuthSettings:
    return load_settings_or_exit(AuthSettings)
