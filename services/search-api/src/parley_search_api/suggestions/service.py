"""One new message → at most one private note with a draft in its conversation.

Per ``message.upserted.v1``: read the message (events are notifications), decide
(``rules.decide``), skip when the conversation's slot is taken (a hint, read without a lock),
compute the draft, then in one transaction claim the slot (``claim``: race-safe across
replicas), post the note and record its Chatwoot id. A failed post rolls the claim back, so
a redelivery may try again; a refused one (4xx) is given up.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import structlog
from parley_authn import SourceGrant
from parley_schema.events import EventEnvelope, MessageUpsertedV1
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_search_api.access.scope import ProjectScope
from parley_search_api.answers.errors import NothingToAnswer
from parley_search_api.answers.schemas import AnswerRequest
from parley_search_api.answers.service import AnswerService
from parley_search_api.suggestions.chatwoot import ChatwootNotes, NoteRefused
from parley_search_api.suggestions.notes import note_content
from parley_search_api.suggestions.repository import suggestion_repository
from parley_search_api.suggestions.rules import Decision, MessageFacts, decide

log = structlog.get_logger(__name__)

NO_PROJECT = uuid.UUID(int=0)  # a suggestion is nobody's: no project's uploads


class Outcome(StrEnum):
    POSTED = "posted"
    SKIPPED = "skipped"  # acked: nothing to do (see the log's reason)
    POISON = "poison"  # not a message.upserted.v1 envelope: rejected


def account_scope(facts: MessageFacts) -> ProjectScope:
    """What a pushed draft may draw on: the conversation's whole account (its conversations'
    public messages and Help Center articles). No project's uploads and no private notes:
    every agent of the account reads the note."""
    return ProjectScope(
        user_id=NO_PROJECT,
        project_id=NO_PROJECT,
        sources=(SourceGrant(account_id=facts.account_id, inbox_id=None),),
        may_read_private=False,
    )


class SuggestionService:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        answers: AnswerService,
        notes: ChatwootNotes,
        interval: timedelta,
        max_age: timedelta,
    ) -> None:
        self._sessions = sessions
        self._answers = answers
        self._notes = notes
        self._interval = interval
        self._max_age = max_age

    async def handle(self, body: bytes) -> Outcome:
        try:
            envelope = EventEnvelope.model_validate_json(body)
            message_id = MessageUpsertedV1.model_validate(envelope.data).message_global_id
        except ValidationError:
            log.warning("suggestion_poison_event")
            return Outcome.POISON
        async with self._sessions() as session:
            facts = await suggestion_repository.facts(session, message_id)
            reason = await self._why_not(session, facts, message_id)
            if reason is None and facts is not None:
                reason = await self._suggest(session, facts, message_id)
        if reason is not None:
            log.info("suggestion_skipped", message_id=message_id, reason=reason)
            return Outcome.SKIPPED
        return Outcome.POSTED

    async def _why_not(
        self, session: AsyncSession, facts: MessageFacts | None, message_id: str
    ) -> str | None:
        """Why this message gets no note (None: it may get one)."""
        if facts is None:
            return "unknown_message"
        decision = decide(facts, now=datetime.now(UTC), max_age=self._max_age)
        if decision is not Decision.SUGGEST:
            return decision.value
        taken = await suggestion_repository.slot_taken(
            session, facts.conversation_id, message_id, self._interval
        )
        return "slot_taken" if taken else None

    async def _suggest(
        self, session: AsyncSession, facts: MessageFacts, message_id: str
    ) -> str | None:
        """Draft, claim, post, record; why nothing was posted, or None once it was.
        NoteFailed and database errors propagate: rolled back, the event is redelivered."""
        request = AnswerRequest(conversation_id=facts.conversation_id)
        try:
            answer = await self._answers.answer(session, account_scope(facts), request)
        except NothingToAnswer:
            return "no_draft"
        await session.commit()  # the handoff the answer may have recommended
        if not answer.draft:
            return "no_draft"
        if not await suggestion_repository.claim(
            session, facts.conversation_id, message_id, self._interval
        ):
            await session.rollback()
            return "slot_taken"
        try:
            note_id = await self._notes.post_private_note(
                facts.account_id, facts.display_id, note_content(answer)
            )
        except NoteRefused as error:
            await session.rollback()
            log.warning("suggestion_refused", message_id=message_id, error=error.message)
            return "refused"
        await suggestion_repository.record_note(session, facts.conversation_id, note_id)
        await session.commit()
        log.info(
            "suggestion_posted",
            conversation_id=facts.conversation_id,
            message_id=message_id,
            note_message_id=note_id,
        )
        return None
