"""Chatwoot ids and Parley's global ids, defined once for every service.

Global ids (seed 000): contacts ``cwc:<account_id>:<contact_id>``, conversations
``cw:<account_id>:<conversation_id>``, messages ``cwmsg:<account_id>:<message_id>``. Each part
is a Chatwoot id; the patterns accept at most 18 digits a part, which always fits ``bigint``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

MAX_BIGINT = 2**63 - 1

# Lax: HTTP query and path parameters arrive as text ("42" is accepted as 42).
ChatwootId = Annotated[int, Field(ge=1, le=MAX_BIGINT)]
# Strict: Chatwoot's JSON carries numbers; "42" in a payload is a contract violation.
StrictChatwootId = Annotated[int, Field(ge=1, le=MAX_BIGINT, strict=True)]

_PART = r"\d{1,18}"
CONTACT_GLOBAL_ID_PATTERN = rf"^cwc:{_PART}:{_PART}$"
CONVERSATION_GLOBAL_ID_PATTERN = rf"^cw:{_PART}:{_PART}$"
MESSAGE_GLOBAL_ID_PATTERN = rf"^cwmsg:{_PART}:{_PART}$"

ContactGlobalId = Annotated[str, StringConstraints(pattern=CONTACT_GLOBAL_ID_PATTERN)]
ConversationGlobalId = Annotated[str, StringConstraints(pattern=CONVERSATION_GLOBAL_ID_PATTERN)]
MessageGlobalId = Annotated[str, StringConstraints(pattern=MESSAGE_GLOBAL_ID_PATTERN)]


def contact_global_id(account_id: int, contact_id: int) -> str:
    return f"cwc:{account_id}:{contact_id}"


def conversation_global_id(account_id: int, conversation_id: int) -> str:
    return f"cw:{account_id}:{conversation_id}"


def message_global_id(account_id: int, message_id: int) -> str:
    return f"cwmsg:{account_id}:{message_id}"
