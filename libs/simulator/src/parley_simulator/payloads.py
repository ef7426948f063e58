"""Webhook bodies shaped as Chatwoot sends them.

Messages follow ``Message#webhook_data`` (string ``message_type``, ISO ``created_at``, nested
``sender``, ``inbox``, ``account`` and the conversation's push data); conversations follow
``Conversations::EventDataPresenter#push_data`` (``id`` is the display id, unix ``created_at``,
``meta.sender`` the contact); contacts follow ``Contact#webhook_data``. Chatwoot has no delete
event: a deleted message is a ``message_updated`` whose content is replaced and whose
``content_attributes.deleted`` is true.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from parley_simulator.model import Account, Agent, Contact, Conversation, Message

DELETED_CONTENT = "This message was deleted"


def _account(account: Account) -> dict[str, Any]:
    return {"id": account.id, "name": account.name}


def contact_data(contact: Contact, account: Account) -> dict[str, Any]:
    return {
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "phone_number": contact.phone_number,
        "identifier": contact.identifier,
        "avatar": "",
        "thumbnail": "",
        "type": "contact",
        "custom_attributes": dict(contact.custom_attributes),
        "additional_attributes": {},
        "account": _account(account),
    }


def _agent_data(agent: Agent) -> dict[str, Any]:
    return {
        "id": agent.id,
        "name": agent.name,
        "email": agent.email,
        "type": "user",
        "availability_status": "online",
        "avatar_url": "",
    }


def conversation_data(conversation: Conversation, *, updated_at: datetime) -> dict[str, Any]:
    return {
        "id": conversation.display_id,
        "account_id": conversation.account.id,
        "inbox_id": conversation.inbox.id,
        "status": conversation.status,
        "labels": list(conversation.labels),
        "priority": None,
        "additional_attributes": {},
        "custom_attributes": {},
        "can_reply": True,
        "channel": "Channel::Api",
        "meta": {
            "sender": contact_data(conversation.contact, conversation.account),
            "assignee": _agent_data(conversation.assignee),
            "team": None,
            "hmac_verified": False,
        },
        "unread_count": 0,
        "created_at": int(conversation.created_at.timestamp()),
        "updated_at": updated_at.timestamp(),
        "timestamp": int(updated_at.timestamp()),
    }


def message_event(
    event: str,
    conversation: Conversation,
    message: Message,
    *,
    content: str | None = None,
    deleted: bool = False,
) -> dict[str, Any]:
    """``message_created`` or ``message_updated`` for ``message`` (edited to ``content``)."""
    sender = message.sender
    sender_data = (
        contact_data(sender, conversation.account)
        if isinstance(sender, Contact)
        else _agent_data(sender)
        if isinstance(sender, Agent)
        else None
    )
    return {
        "event": event,
        "id": message.id,
        "content": DELETED_CONTENT if deleted else (content or message.content),
        "content_type": "text",
        "content_attributes": {"deleted": True} if deleted else {},
        "created_at": message.created_at.isoformat(),
        "message_type": "incoming" if message.incoming else "outgoing",
        "private": message.private,
        "source_id": None,
        "additional_attributes": {},
        "sender": sender_data,
        "inbox": {"id": conversation.inbox.id, "name": conversation.inbox.name},
        "conversation": conversation_data(conversation, updated_at=message.created_at),
        "account": _account(conversation.account),
    }


def conversation_event(
    event: str, conversation: Conversation, *, updated_at: datetime
) -> dict[str, Any]:
    return {"event": event, **conversation_data(conversation, updated_at=updated_at)}


def contact_event(event: str, contact: Contact, account: Account) -> dict[str, Any]:
    return {"event": event, **contact_data(contact, account)}
