"""A page that mimics Chatwoot's conversation view with a Dashboard App, for the demo and
the browser tests: it embeds Parley's panel in an iframe and talks to it exactly as
Chatwoot's ``app/javascript/dashboard/components/widgets/DashboardApp/Frame.vue`` does. On the
iframe's load it posts ``JSON.stringify({event: "appContext", data: {conversation, contact,
currentAgent}})`` with target origin ``*``, and it answers the string
``chatwoot-dashboard-app:fetch-info`` by posting the context again (checking no origin, as
Chatwoot does not). Switching conversations loads a new page, so the iframe reloads, as in
Chatwoot.

Paths: ``/`` (the first conversation), ``/app/accounts/{account}/conversations/{id}`` (the
path of Parley's deep links, so "Open in Chatwoot" lands here), and ``/forger``: a page on
whatever origin it is asked through that posts a forged context to its parent's first frame
(the panel), to show that the panel ignores other origins. ``?forger=<origin>`` on a
conversation page embeds it; ``?post=0`` holds the page's own appContext back. With a
:class:`HelpCenterApi`, ``/api/v1/…`` answers Chatwoot's Help Center REST API
(:mod:`parley_simulator.help_center`) to requests with its ``api_access_token``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from parley_simulator.corpus import Corpus
from parley_simulator.help_center import HelpCenter
from parley_simulator.model import Agent

AGENT = Agent(id=1, name="Dana Demo", email="dana@support.example")
_CONVERSATION_PATH = re.compile(r"^/app/accounts/(\d+)/conversations/(\d+)$")
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d+)?$")
_LISTED = 12


@dataclass(frozen=True)
class DashboardConversation:
    """What the page shows of one conversation and sends as its appContext."""

    account_id: int
    display_id: int
    status: str
    contact_id: int
    contact_name: str
    messages: tuple[tuple[bool, str], ...]  # (from the contact, content), oldest first

    def app_context(self, theme: str) -> dict[str, Any]:
        """The appContext data, shaped like Chatwoot's conversation store (integer
        ``message_type``: 0 incoming, 1 outgoing)."""
        sender = {"id": self.contact_id, "name": self.contact_name, "type": "contact"}
        return {
            "conversation": {
                "id": self.display_id,
                "account_id": self.account_id,
                "status": self.status,
                "meta": {"sender": sender},
                "messages": [
                    {"content": content, "message_type": 0 if incoming else 1}
                    for incoming, content in self.messages
                ],
            },
            "contact": {"id": self.contact_id, "name": self.contact_name},
            "currentAgent": {"id": AGENT.id, "name": AGENT.name, "email": AGENT.email},
            "theme": theme,
        }


def conversations_of(corpus: Corpus) -> list[DashboardConversation]:
    return [
        DashboardConversation(
            account_id=c.account.id,
            display_id=c.display_id,
            status=c.status,
            contact_id=c.contact.id,
            contact_name=c.contact.name,
            messages=tuple((m.incoming, m.content) for m in c.messages if not m.private),
        )
        for c in corpus.conversations
    ]


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


_STYLE = """
body { margin: 0; font: 14px system-ui, sans-serif; display: grid;
       grid-template-columns: 15rem 1fr 24rem; height: 100vh; }
nav { border-right: 1px solid #ddd; overflow: auto; padding: .5rem; }
nav a { display: block; padding: .3rem; color: #1f5fbf; }
nav a[aria-current] { background: #e8f0fe; }
main { padding: 1rem; overflow: auto; }
main p { background: #f5f7fa; padding: .4rem .6rem; border-radius: 6px; }
main p.out { background: #e8f0fe; margin-left: 2rem; }
aside { border-left: 1px solid #ddd; display: flex; flex-direction: column; }
aside h2 { font-size: .9rem; margin: 0; padding: .5rem; border-bottom: 1px solid #ddd; }
iframe { border: 0; flex: 1; width: 100%; }
.forger { height: 1px; flex: none; }
@media (max-width: 900px) { body { grid-template-columns: 1fr; height: auto; }
  aside { height: 90vh; } nav, main { display: none; } }
"""

# Frame.vue, in plain JavaScript: the same messages, the same (absent) origin checks.
_FRAME_SCRIPT = """
const context = JSON.parse(document.getElementById("context").textContent);
const frame = document.getElementById("dashboard-app--frame-0-0");
function onIframeLoad() {
  const eventData = { event: "appContext", data: context };
  frame.contentWindow.postMessage(JSON.stringify(eventData), "*");
}
window.onmessage = (e) => {
  if (typeof e.data !== "string" || e.data !== "chatwoot-dashboard-app:fetch-info") return;
  onIframeLoad();
};
if (frame.dataset.post !== "0") frame.addEventListener("load", onIframeLoad);
"""

_FORGER_SCRIPT = """
const forged = JSON.parse(document.getElementById("context").textContent);
window.parent.frames[0].postMessage(JSON.stringify(forged), "*");
document.body.dataset.posted = "yes";
"""


class DashboardAppPages:
    def __init__(self, conversations: Sequence[DashboardConversation], panel_url: str) -> None:
        if not conversations:
            raise ValueError("a dashboard needs at least one conversation")
        self._panel_url = panel_url
        self._conversations = {(c.account_id, c.display_id): c for c in conversations}
        self._first = conversations[0]
        self._listed = list(conversations[:_LISTED])

    def first_path(self) -> str:
        return self.path_of(self._first)

    @staticmethod
    def path_of(conversation: DashboardConversation) -> str:
        return f"/app/accounts/{conversation.account_id}/conversations/{conversation.display_id}"

    def conversation_page(
        self, account_id: int, display_id: int, query: dict[str, str]
    ) -> str | None:
        conversation = self._conversations.get((account_id, display_id))
        if conversation is None:
            return None
        theme = "dark" if query.get("theme") == "dark" else "light"
        links = "".join(
            f'<a href="{self.path_of(c)}"{" aria-current=page" if c == conversation else ""}>'
            f"#{c.display_id} · account {c.account_id} · {escape(c.contact_name)} "
            f"({escape(c.status)})</a>"
            for c in self._listed
        )
        messages = "".join(
            f'<p class="{"in" if incoming else "out"}">{escape(content)}</p>'
            for incoming, content in conversation.messages
        )
        forger = query.get("forger")
        if forger is not None and not _ORIGIN.fullmatch(forger):
            forger = None
        forger_frame = (
            f'<iframe class="forger" title="forger" src="{escape(forger)}/forger"></iframe>'
            if forger
            else ""
        )
        post = "0" if query.get("post") == "0" else "1"
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8>"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Chatwoot (simulated) · #{conversation.display_id}</title>"
            f"<style>{_STYLE}</style></head><body>"
            f'<nav aria-label="conversations">{links}</nav>'
            f"<main><h1>#{conversation.display_id} · {escape(conversation.contact_name)}</h1>"
            f"{messages}</main>"
            "<aside><h2>Parley (Dashboard App)</h2>"
            f'<iframe id="dashboard-app--frame-0-0" title="Parley" data-post="{post}" '
            f'src="{escape(self._panel_url)}"></iframe>{forger_frame}</aside>'
            f'<script type="application/json" id="context">'
            f"{_script_json(conversation.app_context(theme))}</script>"
            f"<script>{_FRAME_SCRIPT}</script></body></html>"
        )

    def forger_page(self) -> str:
        """A context for another conversation than the page's, as a forger would send it."""
        victim = self._listed[-1]
        forged = {"event": "appContext", "data": victim.app_context("dark")}
        return (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>forger</title></head>"
            f'<body><script type="application/json" id="context">{_script_json(forged)}</script>'
            f"<script>{_FORGER_SCRIPT}</script></body></html>"
        )


@dataclass(frozen=True)
class HelpCenterApi:
    """The Help Center's REST API on the same server, for ``api_access_token`` holders."""

    center: HelpCenter
    api_token: str


def _handler(pages: DashboardAppPages, api: HelpCenterApi | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            if url.path.startswith("/api/v1/"):
                self._api(url.path, query)
                return
            if url.path == "/":
                self.send_response(HTTPStatus.FOUND)
                self.send_header("Location", pages.first_path())
                self.end_headers()
                return
            if url.path == "/forger":
                self._html(pages.forger_page())
                return
            match = _CONVERSATION_PATH.match(url.path)
            page = pages.conversation_page(int(match[1]), int(match[2]), query) if match else None
            if page is None:
                self.send_error(HTTPStatus.NOT_FOUND)
                return
            self._html(page)

        def _api(self, path: str, query: dict[str, str]) -> None:
            if api is None or self.headers.get("api_access_token") != api.api_token:
                self._json(HTTPStatus.UNAUTHORIZED, {"error": "Invalid access_token"}, {})
                return
            answer = api.center.answer(path, query)
            if answer is None:
                self._json(HTTPStatus.NOT_FOUND, {"error": "Resource could not be found"}, {})
                return
            self._json(*answer)

        def _json(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _html(self, body: str) -> None:
            data = body.encode()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: the demo prints its own lines

    return Handler


@contextmanager
def serve_dashboard(
    conversations: Sequence[DashboardConversation],
    panel_url: str,
    *,
    port: int = 0,
    help_center: HelpCenterApi | None = None,
) -> Iterator[int]:
    """Serve the simulated Chatwoot on 127.0.0.1 (``port`` 0: any free one); yields the port.
    With ``help_center``, it answers the Help Center's REST API too."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", port), _handler(DashboardAppPages(conversations, panel_url), help_center)
    )
    thread = threading.Thread(target=server.serve_forever, name="dashboard-app", daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
