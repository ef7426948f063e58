"""The Chatwoot objects a simulated support team works with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Account:
    id: int
    name: str


@dataclass(frozen=True)
class Inbox:
    id: int
    name: str


@dataclass(frozen=True)
class Contact:
    id: int
    name: str
    email: str | None
    phone_number: str | None
    identifier: str | None = None
    custom_attributes: dict[str, Any] = field(default_factory=dict)  # in every webhook
    labels: tuple[str, ...] = ()  # in Chatwoot only: webhooks do not carry contact labels


@dataclass(frozen=True)
class Agent:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class Message:
    id: int
    content: str
    created_at: datetime
    incoming: bool  # from the contact; otherwise an agent's reply or note
    private: bool = False
    sender: Contact | Agent | None = None


@dataclass
class Conversation:
    """One conversation; ``display_id`` is the per-account number REST URLs use."""

    account: Account
    inbox: Inbox
    display_id: int
    contact: Contact
    assignee: Agent
    topic: str
    language: str
    created_at: datetime
    status: str = "open"
    labels: list[str] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
