"""Which new message gets a suggestion: a pure decision over the message's stored facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from parley_search_api.suggestions.notes import is_parley_note

CUSTOMER = "Contact"  # Chatwoot's sender_type of a customer's message
INCOMING = "incoming"
RESOLVED = "resolved"


@dataclass(frozen=True)
class MessageFacts:
    """A stored message and its conversation, as ingest keeps them."""

    conversation_id: str  # cw:<account>:<display id>
    account_id: int
    display_id: int
    conversation_status: str | None
    message_type: str | None
    sender_type: str | None
    private: bool
    deleted: bool
    created_at: datetime | None
    content: str | None


class Decision(StrEnum):
    SUGGEST = "suggest"
    OWN_NOTE = "own_note"  # Parley's own note, come back through the webhook
    NOT_FROM_CUSTOMER = "not_from_customer"  # an agent's reply, a note, a bot, an activity
    DELETED = "deleted"
    RESOLVED = "resolved"
    TOO_OLD = "too_old"  # a backfill or a late replay: the customer is not waiting for it
    EMPTY = "empty"


def decide(facts: MessageFacts, *, now: datetime, max_age: timedelta) -> Decision:
    """Only a new, public, incoming message from the customer of a conversation that is not
    resolved gets a suggestion. Parley's own notes are private outgoing messages, so the
    sender rule alone keeps Parley from answering itself; the marker names them in the log."""
    if is_parley_note(facts.content):
        return Decision.OWN_NOTE
    if facts.private or facts.message_type != INCOMING or facts.sender_type != CUSTOMER:
        return Decision.NOT_FROM_CUSTOMER
    if facts.deleted:
        return Decision.DELETED
    if facts.conversation_status == RESOLVED:
        return Decision.RESOLVED
    if facts.created_at is None or now - facts.created_at > max_age:
        return Decision.TOO_OLD
    if not (facts.content or "").strip():
        return Decision.EMPTY
    return Decision.SUGGEST
