"""Bearer secrets (session cookies, API tokens): how they are made and how they are stored.

The values are 256-bit random strings, so a single SHA-256 is a strong, indexable hash: no
salt or slow KDF is needed (those protect low-entropy passwords). Only the hash is stored.

A session's CSRF token is derived from the session secret with a different domain tag, so it
is bound to that one session (a token planted by a sibling site is useless), needs no storage,
and reveals neither the secret nor the stored hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_COOKIE = "parley_session"
CSRF_COOKIE = "parley_csrf"
CSRF_HEADER = "X-CSRF-Token"
API_TOKEN_PREFIX = "prl_"  # noqa: S105 - the public prefix, not a secret
# A session held by a script (the web UI, in sessionStorage) and sent as a bearer token,
# where a cross-site iframe gets no cookie: ``Authorization: Bearer prs_…``.
BEARER_SESSION_PREFIX = "prs_"
SHOWN_PREFIX_LENGTH = len(API_TOKEN_PREFIX) + 8  # what token listings show, e.g. "prl_3fA9xQ2b"

_CSRF_TAG = b"parley-csrf\x00"


def new_session_secret() -> str:
    return secrets.token_urlsafe(32)


def new_bearer_session_secret() -> str:
    return BEARER_SESSION_PREFIX + secrets.token_urlsafe(32)


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()


def shown_prefix(token: str) -> str:
    return token[:SHOWN_PREFIX_LENGTH]


def csrf_token_for(session_secret: str) -> str:
    """The CSRF token a client must echo in ``X-CSRF-Token`` with this session's cookie."""
    return hashlib.sha256(_CSRF_TAG + session_secret.encode("utf-8", "surrogateescape")).hexdigest()


def csrf_token_matches(session_secret: str, presented: str | None) -> bool:
    """Constant-time check of a presented CSRF token against the session's own."""
    if not presented:
        return False
    expected = csrf_token_for(session_secret)
    return hmac.compare_digest(expected.encode(), presented.encode("utf-8", "surrogateescape"))
