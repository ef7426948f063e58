"""What the ingest tests share: the running app's type, an audit queue on the events
exchange, and a fake Chatwoot REST API for the backfill (Chatwoot is outside this machine).

The fake serves the documented response shapes: conversations ``{"data": {"meta", "payload"}}``
25 a page (``status=all``, ``inbox_id``), messages ``{"meta", "payload"}`` 20 at a time before
``before`` (oldest first), contacts ``{"meta", "payload"}`` by page. It requires the
``api_access_token`` header, can answer one 429 with ``Retry-After``, can fail a chosen
conversations page with 503, and logs every request. Contact labels
(``GET …/contacts/{id}/labels``: ``{"payload": [title, …]}``, 404 for an unknown contact) come
from ``contact_labels`` (default :func:`default_contact_labels`) and can be rate limited once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import httpx
from aio_pika.abc import AbstractIncomingMessage
from fastapi import FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from parley_ingest.settings import IngestSettings
from parley_schema.events import EVENTS_EXCHANGE
from parley_simulator.help_center import HelpCenter

# The ``running_app`` fixture: the real app (relay running) and a client, for the block.
RunningApp = Callable[[IngestSettings], AbstractAsyncContextManager[httpx.AsyncClient]]
# The ``post_signed`` fixture: POST a body as Chatwoot would, signed for account 1.
SignedPost = Callable[..., Awaitable[httpx.Response]]

API_TOKEN = "chatwoot-api-token"
CONVERSATIONS_PER_PAGE = 25
MESSAGES_PER_PAGE = 20
CONTACTS_PER_PAGE = 15
BASE = 1_764_000_000


async def audit_queue(url: str, name: str) -> None:
    """A durable queue bound to every event, declared before anything is published."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(name, durable=True)
        await queue.bind(exchange, routing_key="#")


async def drain_queue(url: str, name: str) -> list[AbstractIncomingMessage]:
    """Every message waiting in queue ``name``, taken off it."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(name, ensure=True)
        messages = []
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            messages.append(message)
        return messages


def contact(contact_id: int) -> dict[str, Any]:
    return {
        "additional_attributes": {},
        "availability_status": "offline",
        "email": f"customer{contact_id}@example.test",
        "id": contact_id,
        "name": f"Customer {contact_id} — Ünïcode",
        "phone_number": None,
        "identifier": None,
        "blocked": False,
        "thumbnail": "",
        "custom_attributes": {},
        "last_activity_at": BASE,
        "created_at": BASE,
    }


def message(message_id: int, conversation_id: int, index: int, suffix: str = "") -> dict[str, Any]:
    kind = index % 5
    return {
        "id": message_id,
        "content": (
            None if kind == 4 else f"Message {index} of conversation {conversation_id} 🚚{suffix}"
        ),
        "inbox_id": 3,
        "conversation_id": conversation_id,
        "message_type": 2 if kind == 3 else index % 2,
        "content_type": "text",
        "status": "sent",
        "content_attributes": {},
        "created_at": BASE + message_id,
        "private": kind == 2,
        "source_id": None,
        "sender": {"id": 7, "name": "Agent Smith", "type": "user"} if index % 2 else None,
        "attachments": (
            [{"id": message_id, "message_id": message_id, "file_type": "image", "account_id": 1}]
            if kind == 4
            else []
        ),
    }


def conversation(display_id: int, contact_id: int, inbox_id: int) -> dict[str, Any]:
    return {
        "meta": {
            "sender": contact(contact_id) | {"type": "contact"},
            "channel": "Channel::Api",
            "hmac_verified": False,
        },
        "id": display_id,
        "messages": [],
        "account_id": 1,
        "uuid": f"00000000-0000-4000-8000-{display_id:012d}",
        "additional_attributes": {},
        "agent_last_seen_at": 0,
        "assignee_last_seen_at": 0,
        "can_reply": True,
        "contact_last_seen_at": 0,
        "custom_attributes": {},
        "inbox_id": inbox_id,
        "labels": [],
        "muted": False,
        "snoozed_until": None,
        "status": "resolved" if display_id % 3 == 0 else "open",
        "created_at": BASE,
        "timestamp": BASE + display_id,
        "first_reply_created_at": 0,
        "unread_count": 0,
        "last_activity_at": BASE + display_id,
        "priority": None,
        "waiting_since": 0,
    }


def default_contact_labels(contact_id: int) -> list[str]:
    """Every third contact is a hot lead, every fifth a VIP customer."""
    labels = []
    if contact_id % 3 == 0:
        labels.append("hot-lead")
    if contact_id % 5 == 0:
        labels.append("vip-customer")
    return labels


@dataclass
class FakeChatwoot:
    """Any account: ``conversations`` conversations (display ids 1..n), each with
    ``messages_per_conversation`` messages; every fourth conversation is in inbox 4."""

    conversations: int = 30
    messages_per_conversation: int = 45
    contacts: int = 20
    rate_limit_once: bool = True
    failing_conversation_pages: set[int] = field(default_factory=set)
    message_suffix: str = ""  # appended to every message's text
    requests: list[tuple[float, str, dict[str, str], int]] = field(default_factory=list)
    contact_labels: dict[int, list[str]] = field(default_factory=dict)  # else the default
    labels_rate_limit_once: bool = False

    def data(self) -> tuple[list[dict[str, Any]], dict[int, list[dict[str, Any]]]]:
        conversations = [
            conversation(display_id, 500 + display_id % 7, 4 if display_id % 4 == 0 else 3)
            for display_id in range(self.conversations, 0, -1)
        ]
        messages = {
            display_id: [
                message(display_id * 1000 + index, display_id, index, self.message_suffix)
                for index in range(self.messages_per_conversation)
            ]
            for display_id in range(1, self.conversations + 1)
        }
        return conversations, messages

    def listed_contacts(self) -> list[dict[str, Any]]:
        """What ``GET …/contacts`` lists, in order."""
        return [contact(500 + index) for index in range(self.contacts)]

    def app(self) -> FastAPI:
        app = FastAPI()
        conversations, messages = self.data()

        def log(path: str, params: dict[str, str], status: int) -> None:
            self.requests.append((time.monotonic(), path, params, status))

        def check(token: str | None) -> None:
            if token != API_TOKEN:
                raise HTTPException(status_code=401, detail="invalid token")

        @app.get("/api/v1/accounts/{account_id}/conversations", response_model=None)
        def list_conversations(
            account_id: int,
            page: int = 1,
            status: str = "open",
            inbox_id: int | None = None,
            api_access_token: str | None = Header(default=None, convert_underscores=False),
        ) -> dict[str, Any] | JSONResponse:
            check(api_access_token)
            params = {"page": str(page), "status": status}
            if self.rate_limit_once:
                self.rate_limit_once = False
                log("conversations", params, 429)
                return JSONResponse({"error": "rate limited"}, 429, headers={"Retry-After": "1"})
            if page in self.failing_conversation_pages:
                log("conversations", params, 503)
                return JSONResponse({"error": "unavailable"}, 503)
            log("conversations", params, 200)
            chosen = [c for c in conversations if status == "all" or c["status"] == status]
            if inbox_id is not None:
                chosen = [c for c in chosen if c["inbox_id"] == inbox_id]
            start = (page - 1) * CONVERSATIONS_PER_PAGE
            return {
                "data": {
                    "meta": {"all_count": len(chosen), "mine_count": 0},
                    "payload": chosen[start : start + CONVERSATIONS_PER_PAGE],
                }
            }

        @app.get("/api/v1/accounts/{account_id}/conversations/{display_id}/messages")
        def list_messages(
            account_id: int,
            display_id: int,
            before: int | None = Query(default=None),
            api_access_token: str | None = Header(default=None, convert_underscores=False),
        ) -> dict[str, Any]:
            check(api_access_token)
            log("messages", {"conversation": str(display_id), "before": str(before)}, 200)
            older = [m for m in messages.get(display_id, []) if before is None or m["id"] < before]
            return {
                "meta": {"contact_id": 500 + display_id % 7, "labels": []},
                "payload": older[-MESSAGES_PER_PAGE:],
            }

        @app.get("/api/v1/accounts/{account_id}/contacts")
        def list_contacts(
            account_id: int,
            page: int = 1,
            api_access_token: str | None = Header(default=None, convert_underscores=False),
        ) -> dict[str, Any]:
            check(api_access_token)
            log("contacts", {"page": str(page)}, 200)
            everyone = self.listed_contacts()
            start = (page - 1) * CONTACTS_PER_PAGE
            return {
                "meta": {"count": len(everyone), "current_page": page},
                "payload": everyone[start : start + CONTACTS_PER_PAGE],
            }

        @app.get("/api/v1/accounts/{account_id}/contacts/{contact_id}/labels", response_model=None)
        def list_contact_labels(
            account_id: int,
            contact_id: int,
            api_access_token: str | None = Header(default=None, convert_underscores=False),
        ) -> dict[str, Any] | JSONResponse:
            check(api_access_token)
            params = {"contact": str(contact_id)}
            if self.labels_rate_limit_once:
                self.labels_rate_limit_once = False
                log("contact_labels", params, 429)
                return JSONResponse({"error": "rate limited"}, 429, headers={"Retry-After": "1"})
            if (
                contact_id not in self.contact_labels
                and not 500 <= contact_id < 500 + self.contacts
            ):
                log("contact_labels", params, 404)
                return JSONResponse({"error": "Resource could not be found"}, 404)
            log("contact_labels", params, 200)
            labels = self.contact_labels.get(contact_id, default_contact_labels(contact_id))
            return {"payload": labels}

        return app


# --- Deletions and merges (reconcile) -------------------------------------------------------


@dataclass
class ChangingChatwoot(FakeChatwoot):
    """The fake after changes Chatwoot sends no webhook for: deleted conversations and
    contacts, and merges (``ContactMergeAction``: the mergee's conversations move to the base
    contact, the mergee is destroyed). Contacts in ``unlisted_contacts`` exist but are not
    listed (Chatwoot lists only contacts with an e-mail address or phone number). It also
    serves ``GET …/conversations/{id}`` (the conversation) and ``GET …/contacts/{id}``
    (``{"payload": contact}``), 404 for what is gone; ``failing_contact_pages`` answer 503."""

    deleted_conversations: set[int] = field(default_factory=set)
    deleted_contacts: set[int] = field(default_factory=set)
    merged_contacts: dict[int, int] = field(default_factory=dict)  # mergee → base
    unlisted_contacts: set[int] = field(default_factory=set)
    failing_contact_pages: set[int] = field(default_factory=set)

    def _gone(self, contact_id: int) -> bool:
        return contact_id in self.deleted_contacts or contact_id in self.merged_contacts

    def data(self) -> tuple[list[dict[str, Any]], dict[int, list[dict[str, Any]]]]:
        conversations, messages = super().data()
        kept = []
        for item in conversations:
            if item["id"] in self.deleted_conversations:
                continue
            sender = item["meta"]["sender"]["id"]
            if sender in self.merged_contacts:
                base = self.merged_contacts[sender]
                item["meta"]["sender"] = contact(base) | {"type": "contact"}
            kept.append(item)
        alive = {item["id"] for item in kept}
        return kept, {key: value for key, value in messages.items() if key in alive}

    def listed_contacts(self) -> list[dict[str, Any]]:
        return [
            item
            for item in super().listed_contacts()
            if not self._gone(item["id"]) and item["id"] not in self.unlisted_contacts
        ]

    def app(self) -> FastAPI:
        app = super().app()
        conversations, _ = self.data()
        by_id = {item["id"]: item for item in conversations}
        existing = {500 + index for index in range(self.contacts)}
        # The contacts listing, wrapped so that chosen pages fail.
        listing = next(r for r in app.router.routes if getattr(r, "name", "") == "list_contacts")
        app.router.routes.remove(listing)

        def check(token: str | None) -> None:
            if token != API_TOKEN:
                raise HTTPException(status_code=401, detail="invalid token")

        @app.get("/api/v1/accounts/{account_id}/contacts", response_model=None)
        def list_contacts(
            account_id: int,
            page: int = 1,
            api_access_token: str | None = Header(default=None, convert_underscores=False),
        ) -> dict[str, Any] | JSONResponse:
            check(api_access_token)
            if page in self.failing_contact_pages:
                self.requests.append((time.monotonic(), "contacts", {"page": str(page)}, 503))
                return JSONResponse({"error": "unavailable"}, 503)
            listing_route = listing.endpoint  # type: ignore[attr-defined]
            body: dict[str, Any] = listing_route(account_id, page, api_access_token)
            return body

        @app.get("/api/v1/accounts/{account_id}/conversations/{display_id}", response_model=None)
        def show_conversation(
            account_id: int,
            display_id: int,
            api_access_token: str | None = Header(default=None, convert_underscores=False),
        ) -> dict[str, Any] | JSONResponse:
            check(api_access_token)
            if display_id not in by_id:
                return JSONResponse({"error": "Resource could not be found"}, 404)
            return by_id[display_id]

        @app.get("/api/v1/accounts/{account_id}/contacts/{contact_id}", response_model=None)
        def show_contact(
            account_id: int,
            contact_id: int,
            api_access_token: str | None = Header(default=None, convert_underscores=False),
        ) -> dict[str, Any] | JSONResponse:
            check(api_access_token)
            self.requests.append((time.monotonic(), "contact", {"id": str(contact_id)}, 200))
            if contact_id not in existing or self._gone(contact_id):
                return JSONResponse({"error": "Resource could not be found"}, 404)
            return {"payload": contact(contact_id)}

        return app


# --- Help Center (parley kb sync) -----------------------------------------------------------


def help_center_app(center: HelpCenter) -> FastAPI:
    """The simulator's Help Center (portals, paged articles, details, 429s) behind Chatwoot's
    ``api_access_token`` check."""
    app = FastAPI()

    @app.get("/api/v1/{path:path}", response_model=None)
    def help_center(
        path: str,
        request: Request,
        api_access_token: str | None = Header(default=None, convert_underscores=False),
    ) -> JSONResponse:
        if api_access_token != API_TOKEN:
            return JSONResponse({"error": "invalid token"}, 401)
        answer = center.answer(f"/api/v1/{path}", dict(request.query_params))
        if answer is None:
            return JSONResponse({"error": "Resource could not be found"}, 404)
        status, body, headers = answer
        return JSONResponse(body, status, headers=headers)

    return app
