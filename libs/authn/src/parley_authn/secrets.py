"""Bearer secrets (session cookies, API tokens): how they are made and how they are stored.

The values are 256-bit random strings, so a single SHA-256 is a strong, indexable hash: no
salt or slow KDF is needed (those protect low-entropy passwords). Only the hash is stored.
"""

from __future__ import annotations

import hashlib
import secrets

SESSION_COOKIE = "parley_session"
API_TOKEN_PREFIX = "prl_"  # noqa: S105 - the public prefix, not a secret
SHOWN_PREFIX_LENGTH = len(API_TOKEN_PREFIX) + 8  # what token listings show, e.g. "prl_3fA9xQ2b"


def new_session_secret() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def shown_prefix(token: str) -> str:
    return token[:SHOWN_PREFIX_LENGTH]
