"""Resolves a session cookie or API token to (user, project, role); the caller dependency
shared by auth, search-api and ingest (:mod:`parley_authn.dependencies`)."""

from parley_authn.csrf import SAFE_METHODS, ensure_csrf
from parley_authn.principal import CredentialKind, Principal, ScopedPrincipal, SourceGrant
from parley_authn.resolve import (
    TOUCH_INTERVAL,
    authenticate,
    bearer_token,
    session_scopes,
)
from parley_authn.secrets import (
    API_TOKEN_PREFIX,
    BEARER_SESSION_PREFIX,
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    csrf_token_for,
    csrf_token_matches,
    hash_secret,
    new_api_token,
    new_bearer_session_secret,
    new_session_secret,
    shown_prefix,
)

__all__ = [
    "API_TOKEN_PREFIX",
    "BEARER_SESSION_PREFIX",
    "CSRF_COOKIE",
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "TOUCH_INTERVAL",
    "CredentialKind",
    "Principal",
    "ScopedPrincipal",
    "SourceGrant",
    "authenticate",
    "bearer_token",
    "csrf_token_for",
    "csrf_token_matches",
    "ensure_csrf",
    "hash_secret",
    "new_api_token",
    "new_bearer_session_secret",
    "new_session_secret",
    "session_scopes",
    "shown_prefix",
]
