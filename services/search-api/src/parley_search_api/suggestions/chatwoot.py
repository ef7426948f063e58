"""Posting a private note through Chatwoot's REST API.

``POST /api/v1/accounts/{account}/conversations/{display id}/messages`` with
``{"content", "message_type": "outgoing", "private": true}`` and the ``api_access_token``
header (``MessagesController#create`` → ``Messages::MessageBuilder``: the sender is the
token's agent, or its agent bot). It answers the message (``create.json.jbuilder``: ``id``,
``content``, ``conversation_id`` (the display id), ``message_type`` as an integer,
``private``, ``created_at`` in unix seconds, ``sender``). One attempt only: a POST is not
idempotent, so a failure is retried by redelivering the event, never by posting again here.
"""

from __future__ import annotations

import httpx
from parley_schema.errors import ParleyError


class NoteFailed(ParleyError):
    """Chatwoot could not be reached, or answered 429/5xx: worth a later try."""

    code = "chatwoot_note_failed"
    status = 502


class NoteRefused(ParleyError):
    """Chatwoot refused the note (4xx: bad token, conversation gone): no retry helps."""

    code = "chatwoot_note_refused"
    status = 502


class ChatwootNotes:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self._http = http  # parley_chatwoot.configured_http: base URL, token, timeout

    async def post_private_note(self, account_id: int, display_id: int, content: str) -> int:
        """The new message's Chatwoot id."""
        path = f"/api/v1/accounts/{account_id}/conversations/{display_id}/messages"
        try:
            response = await self._http.post(
                path, json={"content": content, "message_type": "outgoing", "private": True}
            )
        except httpx.TransportError as error:
            raise NoteFailed(f"POST {path}: {type(error).__name__}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise NoteFailed(f"POST {path}: HTTP {response.status_code}")
        if response.status_code not in (200, 201):
            raise NoteRefused(f"POST {path}: HTTP {response.status_code}")
        try:
            note_id = response.json()["id"]
        except (ValueError, KeyError, TypeError) as error:
            raise NoteRefused(f"POST {path}: the answer carries no message id") from error
        if not isinstance(note_id, int):
            raise NoteRefused(f"POST {path}: the answer's id is not a number")
        return note_id
