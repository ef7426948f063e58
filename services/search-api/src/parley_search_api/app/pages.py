"""The two entry pages and the headers every ``/app`` response carries, built once at start."""

from __future__ import annotations

import hashlib
from html import escape
from pathlib import Path

from pydantic import HttpUrl

from parley_search_api.settings import SearchSettings

STATIC_DIR = Path(__file__).parent / "static"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: HttpUrl) -> str:
    """``scheme://host[:port]`` as a browser writes an origin (default ports left out)."""
    port = "" if url.port in (None, _DEFAULT_PORTS.get(url.scheme)) else f":{url.port}"
    return f"{url.scheme}://{url.host}{port}"


def content_security_policy(*, chatwoot_origin: str | None, auth_origin: str | None) -> str:
    """Only our own scripts and styles; requests to this origin and auth's; framed only by
    Chatwoot (the Dashboard App), by nobody when no Chatwoot URL is configured."""
    connect = " ".join(["'self'", *([auth_origin] if auth_origin else [])])
    ancestors = chatwoot_origin or "'none'"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {ancestors}",
        )
    )


def _versioned(name: str) -> str:
    """The asset's URL with a digest of its content, so a new build is never served stale."""
    digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
    return f"/app/static/{name}?v={digest}"


class AppPages:
    """The HTML of ``/app/`` and ``/app/chatwoot`` and the headers of every ``/app`` answer."""

    def __init__(self, *, settings: SearchSettings) -> None:
        chatwoot = settings.chatwoot_base_url
        auth = settings.app_auth_url
        self.chatwoot_origin = origin_of(chatwoot) if chatwoot else None
        auth_origin = origin_of(auth) if auth else None
        self.headers = {
            "Content-Security-Policy": content_security_policy(
                chatwoot_origin=self.chatwoot_origin, auth_origin=auth_origin
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        data = {
            "auth-url": str(auth).rstrip("/") if auth else "",
            "chatwoot-origin": self.chatwoot_origin or "",
        }
        self.search = self._page("Parley search", "search.js", data)
        self.panel = self._page("Parley", "panel.js", data)

    @staticmethod
    def _page(title: str, script: str, data: dict[str, str]) -> str:
        attributes = " ".join(f'data-{name}="{escape(value)}"' for name, value in data.items())
        return (
            '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n"
            f'<link rel="stylesheet" href="{_versioned("app.css")}">\n'
            f'<script type="module" src="{_versioned(script)}"></script>\n'
            f'</head>\n<body {attributes}>\n<div id="app"><p role="status">Loading…</p></div>\n'
            "</body>\n</html>\n"
        )
