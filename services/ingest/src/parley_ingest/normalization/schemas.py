"""The parts of Chatwoot's objects Parley relies on, checked before anything is written.

Shapes follow Chatwoot's source: ``Message#webhook_data`` (string ``message_type``, ISO
``created_at``, nested ``conversation``/``sender``/``account``/``inbox``, ``attachments``),
``Conversations::EventDataPresenter#push_data`` for conversations (``id`` is the per-account
display id, ``meta.sender`` the contact, unix ``created_at``, float ``updated_at``),
``Contact#webhook_data`` for contacts, and the REST API views for backfill (integer
``message_type``, unix ``created_at``). Unknown fields are kept (``extra="allow"``): the raw
object is stored as it came.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from parley_schema.ids import StrictChatwootId
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

MESSAGE_TYPES = ("incoming", "outgoing", "activity", "template")
MessageType = Literal["incoming", "outgoing", "activity", "template"]


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _message_type_name(value: object) -> object:
    """REST and nested payloads carry the enum index; webhooks carry its name."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(MESSAGE_TYPES):
        return MESSAGE_TYPES[value]
    return value


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class _Object(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class IdRef(_Object):
    id: StrictChatwootId


class ContactObject(_Object):
    id: StrictChatwootId
    name: str | None = None
    email: str | None = None
    phone_number: str | None = None
    identifier: str | None = None
    custom_attributes: dict[str, Any] | None = None
    account: IdRef | None = None


class ConversationMeta(_Object):
    sender: ContactObject | None = None
    assignee: IdRef | None = None


class ConversationObject(_Object):
    id: StrictChatwootId
    account_id: StrictChatwootId | None = None
    inbox_id: StrictChatwootId | None = None
    status: str | None = None
    meta: ConversationMeta = Field(default_factory=ConversationMeta)
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None


class SenderObject(_Object):
    id: StrictChatwootId | None = None
    type: str | None = None


class MessageObject(_Object):
    id: StrictChatwootId
    content: str | None = None
    message_type: Annotated[MessageType, BeforeValidator(_message_type_name)]
    private: bool = False
    content_attributes: dict[str, Any] | None = None
    created_at: UtcDatetime
    sender: SenderObject | None = None
    account: IdRef | None = None
    account_id: StrictChatwootId | None = None
    conversation: ConversationObject | None = None
    conversation_id: StrictChatwootId | None = None
    attachments: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def deleted(self) -> bool:
        return bool((self.content_attributes or {}).get("deleted"))


class ContactEvent(ContactObject):
    event: Literal["contact_created", "contact_updated"]
    changed_attributes: list[dict[str, Any]] | None = None


class ConversationEvent(ConversationObject):
    event: Literal["conversation_created", "conversation_updated", "conversation_status_changed"]
    changed_attributes: list[dict[str, Any]] | None = None


class MessageEvent(MessageObject):
    event: Literal["message_created", "message_updated"]
    conversation: ConversationObject
