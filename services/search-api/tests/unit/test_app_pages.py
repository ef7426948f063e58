"""Origins and the content security policy of the web UI."""

from __future__ import annotations

import pytest
from parley_search_api.app.pages import content_security_policy, origin_of
from pydantic import HttpUrl


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://chat.example.com", "https://chat.example.com"),
        ("https://chat.example.com:443/app/", "https://chat.example.com"),
        ("http://localhost:3000/", "http://localhost:3000"),
        ("http://127.0.0.1:80", "http://127.0.0.1"),
        ("https://chat.example.com:8443/x?y=1", "https://chat.example.com:8443"),
    ],
)
def test_origin_is_what_a_browser_sends(url: str, origin: str) -> None:
    assert origin_of(HttpUrl(url)) == origin


def test_policy_names_chatwoot_and_auth_or_denies_framing() -> None:
    framed = content_security_policy(
        chatwoot_origin="https://chat.example.com", auth_origin="https://auth.example.com"
    )
    assert "frame-ancestors https://chat.example.com" in framed
    assert "connect-src 'self' https://auth.example.com" in framed
    alone = content_security_policy(chatwoot_origin=None, auth_origin=None)
    assert "frame-ancestors 'none'" in alone
    assert "connect-src 'self';" in alone
    assert "default-src 'none'" in alone
