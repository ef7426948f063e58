"""Chatwoot's ``POST /api/v1/accounts/{id}/conversations/{display id}/messages`` as Parley
posts private notes through it, for the tests' fake Chatwoot.

The request (``MessagesController#create`` → ``Messages::MessageBuilder``): ``content``,
``message_type`` (``outgoing`` unless given; ``incoming`` only in API inboxes), ``private``
(default false), with the ``api_access_token`` header; the sender is the token's agent.
The answer (``conversations/messages/create.json.jbuilder``): ``id``, ``content``,
``inbox_id``, ``echo_id``, ``conversation_id`` (the display id), ``message_type`` as its
integer (0 incoming, 1 outgoing), ``content_type``, ``content_attributes``, ``created_at``
(unix seconds), ``private``, ``sender`` (the agent's push data). An unknown conversation is
404, a wrong token 401. :class:`ConversationMessages` answers as ``(status, body)`` so any
server can carry it; ``fail_next`` answers that many requests with 503.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

MESSAGE_TYPES = {"incoming": 0, "outgoing": 1}
AGENT = {"id": 7, "name": "Parley Bot", "type": "user", "availability_status": "online"}


@dataclass
class ConversationMessages:
    api_token: str
    conversations: set[tuple[int, int]]  # (account id, display id) that exist
    inbox_id: int = 1
    fail_next: int = 0
    posted: list[dict[str, Any]] = field(default_factory=list)  # the answers, in order
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(90_001))

    def create(
        self, account_id: int, display_id: int, token: str | None, body: Any
    ) -> tuple[int, dict[str, Any]]:
        if token != self.api_token:
            return 401, {"errors": ["You need to sign in or sign up before continuing."]}
        if (account_id, display_id) not in self.conversations:
            return 404, {"error": "Resource could not be found"}
        if self.fail_next > 0:
            self.fail_next -= 1
            return 503, {"error": "Service Unavailable"}
        if not isinstance(body, dict):
            return 422, {"error": "could not create message"}
        message_type = body.get("message_type", "outgoing")
        if message_type not in MESSAGE_TYPES or message_type == "incoming":
            return 422, {"error": "Incoming messages are only allowed in Api inboxes"}
        message = {
            "id": next(self._ids),
            "content": body.get("content"),
            "inbox_id": self.inbox_id,
            "echo_id": body.get("echo_id"),
            "conversation_id": display_id,
            "message_type": MESSAGE_TYPES[message_type],
            "content_type": body.get("content_type") or "text",
            "content_attributes": {},
            "created_at": int(time.time()),
            "private": bool(body.get("private", False)),
            "sender": AGENT,
        }
        self.posted.append(message | {"account_id": account_id})
        return 200, message
