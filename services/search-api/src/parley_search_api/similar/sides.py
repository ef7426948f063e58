"""Which side of a conversation a chunk or message is on: the customer's or the agents'."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal
from sqlalchemy.orm import QueryableAttribute

# Chatwoot's sender classes of agents (lower-cased; snake_case spellings from webhooks too).
AGENT_SENDERS = ("user", "agent")


class Side(StrEnum):
    CUSTOMER = "customer"  # incoming messages: what the customer wrote
    AGENT = "agent"  # outgoing messages an agent (not a bot) sent
    OTHER = "other"  # bots, templates, activity


def is_agent_reply(
    message_type: QueryableAttribute[Any], sender_type: QueryableAttribute[Any]
) -> ColumnElement[bool]:
    return and_(message_type == "outgoing", func.lower(sender_type).in_(AGENT_SENDERS))


def side_of(
    message_type: QueryableAttribute[Any], sender_type: QueryableAttribute[Any]
) -> ColumnElement[str]:
    return case(
        (message_type == "incoming", literal(Side.CUSTOMER.value)),
        (is_agent_reply(message_type, sender_type), literal(Side.AGENT.value)),
        else_=literal(Side.OTHER.value),
    )
