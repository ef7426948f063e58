"""The simulated Chatwoot page: what it sends the panel, and what it refuses to embed."""

from __future__ import annotations

import json
import re

import httpx
from parley_simulator.corpus import build_corpus
from parley_simulator.dashboard_app import conversations_of, serve_dashboard

PANEL = "http://127.0.0.1:8002/app/chatwoot"


def _context(page: str) -> dict[str, object]:
    match = re.search(r'<script type="application/json" id="context">(.*?)</script>', page, re.S)
    assert match
    context: dict[str, object] = json.loads(match[1])
    return context


def test_pages_embed_the_panel_and_carry_chatwoots_app_context() -> None:
    corpus = build_corpus(conversations=4, seed=3)
    conversations = conversations_of(corpus)
    with serve_dashboard(conversations, PANEL) as port:
        base = f"http://127.0.0.1:{port}"
        first = httpx.get(base + "/", follow_redirects=True)
        second = conversations[1]
        other = httpx.get(
            f"{base}/app/accounts/{second.account_id}/conversations/{second.display_id}"
        )
        missing = httpx.get(f"{base}/app/accounts/9/conversations/999")
        forged = httpx.get(str(first.url) + "?forger=javascript:alert(1)")
    assert first.status_code == other.status_code == 200
    assert f'src="{PANEL}"' in first.text
    context = _context(other.text)
    conversation = context["conversation"]
    assert isinstance(conversation, dict)
    assert (conversation["id"], conversation["account_id"]) == (
        second.display_id,
        second.account_id,
    )
    assert context["contact"] == {"id": second.contact_id, "name": second.contact_name}
    assert set(context) == {"conversation", "contact", "currentAgent", "theme"}
    assert "<" not in other.text.split('id="context">')[1].split("</script>")[0]
    assert missing.status_code == 404
    assert "javascript:" not in forged.text
