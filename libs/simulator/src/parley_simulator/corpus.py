"""A deterministic support team's history: the demo's traffic and the tests' ground truth.

``build_corpus(seed=…)`` always yields the same conversations and the same webhook bodies in
the same order: two accounts (their contacts carry e-commerce and recruitment attributes and
labels: ``segments``), several inboxes, agents and contacts, conversations about
billing, shipping, refunds, login problems, bugs, accounts and integrations (some in German,
Spanish or French), private notes, edited messages, a few deleted ones, and resolved
conversations. ``final_messages`` says what each message should look like once every delivery
has been applied.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from parley_simulator.model import Account, Agent, Contact, Conversation, Inbox, Message
from parley_simulator.payloads import contact_event, conversation_event, message_event
from parley_simulator.segments import contact_profile
from parley_simulator.topics import ERROR_CODES, FOREIGN_TOPICS, PLANS, PRODUCTS, TOPICS, Topic

ACCOUNTS = (Account(1, "Acme Support"), Account(2, "Globex Care"))
INBOXES = {
    1: (Inbox(11, "Website chat"), Inbox(12, "Email"), Inbox(13, "WhatsApp")),
    2: (Inbox(21, "Website chat"), Inbox(22, "Email")),
}
AGENTS = (
    Agent(1, "Maya Lindqvist", "maya@support.example"),
    Agent(2, "Tomás Ferreira", "tomas@support.example"),
    Agent(3, "Priya Nair", "priya@support.example"),
)
FIRST_NAMES = (
    "Alex",
    "Sam",
    "Jordan",
    "Chen",
    "Fatima",
    "Lukas",
    "Sofia",
    "Kenji",
    "Amara",
    "Noah",
)
LAST_NAMES = ("Smith", "Müller", "García", "Dubois", "Tanaka", "Okafor", "Rossi", "Kowalski")
THANKS = ("Thanks, that worked!", "Perfect, thank you.", "Great, all sorted now.")


@dataclass(frozen=True)
class FinalMessage:
    """What a message should look like in Parley after every delivery."""

    account_id: int
    message_id: int
    conversation_display_id: int
    content: str
    private: bool
    deleted: bool


@dataclass
class Corpus:
    conversations: list[Conversation]
    deliveries: list[dict[str, Any]]  # webhook bodies, in the order Chatwoot would send them
    final_messages: dict[int, FinalMessage] = field(default_factory=dict)

    def contact_labels(self) -> dict[tuple[int, int], tuple[str, ...]]:
        """Each contact's labels by (account, contact id): what Chatwoot's REST API answers
        (``GET …/contacts/{id}/labels``), since webhooks do not carry them."""
        return {(c.account.id, c.contact.id): c.contact.labels for c in self.conversations}

    def searchable(self, *, include_private: bool = False) -> list[FinalMessage]:
        return [
            message
            for message in self.final_messages.values()
            if not message.deleted and (include_private or not message.private)
        ]


class _Ids:
    def __init__(self) -> None:
        self.message = 1000
        self.contact = 500
        self.display = dict.fromkeys(INBOXES, 0)

    def next_message(self) -> int:
        self.message += 1
        return self.message

    def next_contact(self) -> int:
        self.contact += 1
        return self.contact

    def next_display(self, account_id: int) -> int:
        self.display[account_id] += 1
        return self.display[account_id]


def fill_slots(template: str, rng: random.Random) -> str:
    """The template with its order, error code, product and plan slots filled."""
    return template.format(
        order=f"#{rng.randint(10000, 99999)}",
        code=rng.choice(ERROR_CODES),
        product=rng.choice(PRODUCTS),
        plan=rng.choice(PLANS),
    )


def _pick_topic(rng: random.Random) -> tuple[Topic, str]:
    if rng.random() < 0.12:
        language = rng.choice(sorted(FOREIGN_TOPICS))
        return rng.choice(FOREIGN_TOPICS[language]), language
    return rng.choice(TOPICS), "en"


def build_corpus(*, conversations: int = 320, seed: int = 7, now: datetime | None = None) -> Corpus:
    """The same corpus for the same arguments, spread over the 400 days before ``now``."""
    rng = random.Random(seed)
    end = (now or datetime(2026, 11, 1, tzinfo=UTC)).astimezone(UTC)
    start = end - timedelta(days=400)
    ids = _Ids()
    corpus = Corpus(conversations=[], deliveries=[])
    for index in range(conversations):
        account = ACCOUNTS[index % len(ACCOUNTS)]
        topic, language = _pick_topic(rng)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        contact_id = ids.next_contact()
        profile = contact_profile(account.id, contact_id, seed)
        contact = Contact(
            id=contact_id,
            name=f"{first} {last}",
            email=f"{first.lower()}.{contact_id}@customer.example",
            phone_number=f"+1555{contact_id:07d}",
            identifier=f"cust-{contact_id}",
            custom_attributes=profile.custom_attributes,
            labels=profile.labels,
        )
        opened_at = start + (end - start) * (index / conversations)
        conversation = Conversation(
            account=account,
            inbox=rng.choice(INBOXES[account.id]),
            display_id=ids.next_display(account.id),
            contact=contact,
            assignee=rng.choice(AGENTS),
            topic=topic.name,
            language=language,
            created_at=opened_at,
            labels=[topic.name],
        )
        _converse(conversation, topic, rng, ids, corpus)
    return corpus


def _converse(
    conversation: Conversation, topic: Topic, rng: random.Random, ids: _Ids, corpus: Corpus
) -> None:
    account, contact, agent = conversation.account, conversation.contact, conversation.assignee
    clock = conversation.created_at
    deliveries = corpus.deliveries
    deliveries.append(contact_event("contact_created", contact, account))
    deliveries.append(conversation_event("conversation_created", conversation, updated_at=clock))

    def say(text: str, *, incoming: bool, private: bool = False) -> Message:
        nonlocal clock
        clock += timedelta(minutes=rng.randint(1, 90))
        message = Message(
            id=ids.next_message(),
            content=text,
            created_at=clock,
            incoming=incoming,
            private=private,
            sender=contact if incoming else agent,
        )
        conversation.messages.append(message)
        deliveries.append(message_event("message_created", conversation, message))
        corpus.final_messages[message.id] = FinalMessage(
            account.id, message.id, conversation.display_id, text, private, deleted=False
        )
        return message

    opener = say(fill_slots(rng.choice(topic.openers), rng), incoming=True)
    follow_up = (
        say(fill_slots(rng.choice(topic.follow_ups), rng), incoming=True)
        if rng.random() < 0.6
        else None
    )
    if rng.random() < 0.35:
        say(fill_slots(rng.choice(topic.notes), rng), incoming=False, private=True)
    say(fill_slots(rng.choice(topic.replies), rng), incoming=False)
    if conversation.language == "en" and rng.random() < 0.5:
        say(rng.choice(THANKS), incoming=True)

    if rng.random() < 0.08:  # the customer corrects their first message
        edited = f"{opener.content} (edit: this is urgent, please)"
        deliveries.append(message_event("message_updated", conversation, opener, content=edited))
        corpus.final_messages[opener.id] = FinalMessage(
            account.id, opener.id, conversation.display_id, edited, False, deleted=False
        )
    if follow_up is not None and rng.random() < 0.05:  # and sometimes deletes a message
        deliveries.append(message_event("message_updated", conversation, follow_up, deleted=True))
        corpus.final_messages[follow_up.id] = FinalMessage(
            account.id,
            follow_up.id,
            conversation.display_id,
            follow_up.content,
            False,
            deleted=True,
        )
    if rng.random() < 0.7:
        conversation.status = "resolved"
        clock += timedelta(minutes=5)
        deliveries.append(
            conversation_event("conversation_status_changed", conversation, updated_at=clock)
        )
    corpus.conversations.append(conversation)
