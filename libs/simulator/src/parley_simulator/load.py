"""Message traffic for load, freshness and chaos runs: one customer's messages, each with a
unique word that finds exactly that message, in account 1's website inbox."""

from __future__ import annotations

import random
import uuid
from datetime import datetime
from typing import Any

from parley_simulator.corpus import fill_slots
from parley_simulator.model import Account, Agent, Contact, Conversation, Inbox, Message
from parley_simulator.payloads import message_event
from parley_simulator.topics import TOPICS

ACCOUNT = Account(1, "Load")
INBOX = Inbox(11, "Website chat")
AGENT = Agent(1, "Maya Lindqvist", "maya@support.example")


def unique_word(rng: random.Random, prefix: str) -> str:
    """A word no other message contains (``prefix`` + 10 hex digits from ``rng``)."""
    return f"{prefix}{uuid.UUID(int=rng.getrandbits(128)).hex[:10]}"


def customer_message(
    conversation_number: int,
    message_id: int,
    word: str,
    rng: random.Random,
    *,
    started_at: datetime,
    sent_at: datetime,
) -> dict[str, Any]:
    """A ``message_created`` body (to sign and deliver): a customer's opener on a random
    topic followed by ``word``, sent at ``sent_at`` in conversation ``conversation_number``
    (display id number + 1), which started at ``started_at``."""
    conversation = Conversation(
        account=ACCOUNT,
        inbox=INBOX,
        display_id=conversation_number + 1,
        contact=Contact(100_000 + conversation_number, "Load Customer", None, None),
        assignee=AGENT,
        topic="load",
        language="en",
        created_at=started_at,
    )
    opener = fill_slots(rng.choice(rng.choice(TOPICS).openers), rng)
    message = Message(message_id, f"{opener} {word}", sent_at, incoming=True)
    return message_event("message_created", conversation, message)
