"""Feedback requests and answers: a rating of one target, and the target's counts."""

from __future__ import annotations

import re
from typing import Annotated

from parley_schema.ids import (
    CONVERSATION_GLOBAL_ID_PATTERN,
    MESSAGE_GLOBAL_ID_PATTERN,
    ConversationGlobalId,
)
from parley_schema.models import FeedbackRating, FeedbackTargetKind
from parley_schema.postgres_values import postgres_text
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

MAX_COMMENT_CHARS = 2000

# The id each kind of target carries: the ids search hits, similar conversations and
# answer drafts show.
TARGET_ID_PATTERNS: dict[FeedbackTargetKind, str] = {
    FeedbackTargetKind.ANSWER: CONVERSATION_GLOBAL_ID_PATTERN,  # the draft's conversation
    FeedbackTargetKind.CONVERSATION: CONVERSATION_GLOBAL_ID_PATTERN,
    FeedbackTargetKind.MESSAGE: MESSAGE_GLOBAL_ID_PATTERN,
    FeedbackTargetKind.ARTICLE: r"^cwart:\d{1,18}:\d{1,18}$",
    FeedbackTargetKind.DOCUMENT: r"^kbdoc:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
}


TargetId = Annotated[str, StringConstraints(min_length=1, max_length=100)]


def _check_target_id(kind: FeedbackTargetKind, target_id: str) -> None:
    if not re.fullmatch(TARGET_ID_PATTERNS[kind], target_id):
        raise ValueError(f"not the id of a {kind} (e.g. cw:1:42, cwmsg:1:7)")


class FeedbackTarget(BaseModel):
    """What is rated. ``answer``: the draft Parley made for the conversation ``id``
    (``cw:<account>:<id>``); ``conversation``: a similar conversation; ``message``: a message
    hit (``cwmsg:…``); ``article`` / ``document``: a knowledge hit (``document.id``)."""

    model_config = ConfigDict(extra="forbid")

    kind: FeedbackTargetKind
    id: TargetId

    @model_validator(mode="after")
    def _id_fits_kind(self) -> FeedbackTarget:
        _check_target_id(self.kind, self.id)
        return self


class FeedbackTargetParams(BaseModel):
    """The target as query parameters (``GET`` and ``DELETE /v1/feedback``)."""

    model_config = ConfigDict(extra="forbid")

    target_kind: FeedbackTargetKind
    target_id: TargetId

    @model_validator(mode="after")
    def _id_fits_kind(self) -> FeedbackTargetParams:
        _check_target_id(self.target_kind, self.target_id)
        return self

    @property
    def target(self) -> FeedbackTarget:
        return FeedbackTarget(kind=self.target_kind, id=self.target_id)


Comment = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_COMMENT_CHARS),
    AfterValidator(postgres_text),
]


class FeedbackWrite(BaseModel):
    """An agent's whole current opinion of a target: a second rating of the same target by
    the same user replaces the first (its comment too)."""

    model_config = ConfigDict(extra="forbid")

    target: FeedbackTarget
    rating: FeedbackRating
    comment: Comment | None = None
    conversation_id: ConversationGlobalId | None = Field(
        default=None,
        description="The conversation the agent had open (an `answer`'s is its own)",
    )


class FeedbackSummary(BaseModel):
    """The target's ratings in the caller's project, and the caller's own."""

    target: FeedbackTarget
    up: int
    down: int
    mine: FeedbackRating | None
    my_comment: str | None
