"""Which message gets a suggestion, and how Parley knows its own notes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from parley_search_api.answers.schemas import (
    Answer,
    Citation,
    Escalation,
    EscalationReason,
    ReasonCode,
)
from parley_search_api.search.schemas import HitKind
from parley_search_api.settings import GeneratorName
from parley_search_api.suggestions.notes import NOTE_MARKER, is_parley_note, note_content
from parley_search_api.suggestions.rules import Decision, MessageFacts, decide

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
AGE = timedelta(minutes=15)
CUSTOMER = MessageFacts(
    conversation_id="cw:1:42",
    account_id=1,
    display_id=42,
    conversation_status="open",
    message_type="incoming",
    sender_type="Contact",
    private=False,
    deleted=False,
    created_at=NOW - timedelta(seconds=5),
    content="Where is my refund?",
)


def test_a_new_customer_message_of_an_open_conversation_gets_one() -> None:
    assert decide(CUSTOMER, now=NOW, max_age=AGE) is Decision.SUGGEST
    pending = replace(CUSTOMER, conversation_status="pending")
    assert decide(pending, now=NOW, max_age=AGE) is Decision.SUGGEST


@pytest.mark.parametrize(
    ("change", "decision"),
    [
        ({"message_type": "outgoing", "sender_type": "User"}, Decision.NOT_FROM_CUSTOMER),
        ({"private": True}, Decision.NOT_FROM_CUSTOMER),
        ({"sender_type": "AgentBot"}, Decision.NOT_FROM_CUSTOMER),
        ({"message_type": "activity", "sender_type": None}, Decision.NOT_FROM_CUSTOMER),
        ({"deleted": True}, Decision.DELETED),
        ({"conversation_status": "resolved"}, Decision.RESOLVED),
        ({"created_at": NOW - timedelta(hours=1)}, Decision.TOO_OLD),
        ({"created_at": None}, Decision.TOO_OLD),
        ({"content": "  "}, Decision.EMPTY),
        ({"content": f"draft\n\n{NOTE_MARKER}", "private": True}, Decision.OWN_NOTE),
    ],
)
def test_everything_else_gets_none(change: dict[str, object], decision: Decision) -> None:
    assert decide(replace(CUSTOMER, **change), now=NOW, max_age=AGE) is decision  # type: ignore[arg-type]


def test_the_note_leads_with_the_hint_cites_its_sources_and_ends_with_the_marker() -> None:
    answer = Answer(
        draft="Refunds take 5 to 7 days. [cwmsg:1:7]",
        citations=[
            Citation(
                kind=HitKind.MESSAGE, id="cwmsg:1:7", url="https://chat/x", quote="5 to 7 days"
            )
        ],
        confidence=0.8,
        escalation=Escalation(
            recommended=True,
            reasons=[EscalationReason(code=ReasonCode.TRIGGER_PHRASE, detail="refund*")],
        ),
        generator=GeneratorName.EXTRACTIVE,
    )
    content = note_content(answer)
    assert content.startswith("⚠ Escalation recommended: trigger_phrase (refund*)")
    assert "Refunds take 5 to 7 days. [cwmsg:1:7]" in content
    assert "[cwmsg:1:7] https://chat/x: “5 to 7 days”" in content
    assert is_parley_note(content)
    assert not is_parley_note("Where is my refund?")
    assert not is_parley_note(None)
