"""The CSRF rule every service applies to a resolved caller.

A browser attaches the session cookie to any request to our origin, including one another
site makes it send; it never attaches an ``Authorization`` header on its own. So a request
that changes state with the session *cookie* must echo the CSRF token that login handed to
our own pages (``X-CSRF-Token``); one that came with a bearer credential (an API token, or
a script's session ``prs_…``) needs none.
"""

from __future__ import annotations

from parley_authn.errors import CsrfRejected
from parley_authn.principal import CredentialKind, Principal
from parley_authn.secrets import CSRF_HEADER, csrf_token_matches

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def ensure_csrf(
    principal: Principal,
    *,
    method: str,
    authorization_header: str | None,
    session_cookie: str | None,
    csrf_token: str | None,
) -> None:
    """Raise CsrfRejected for a cookie-borne session's write without its CSRF token."""
    if (
        principal.kind is CredentialKind.SESSION
        and authorization_header is None  # the session came in the cookie (a header wins)
        and method not in SAFE_METHODS
        and not csrf_token_matches(session_cookie or "", csrf_token)
    ):
        raise CsrfRejected(f"missing or wrong {CSRF_HEADER} header", field=CSRF_HEADER)
