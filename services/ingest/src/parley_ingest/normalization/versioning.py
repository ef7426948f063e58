"""Which of two states of the same Chatwoot object wins.

Chatwoot delivers webhooks at least once, in any order, and a message payload has no
``updated_at``. Every state therefore gets a *version*, stored in the row's ``updated_at``:

- messages: the delivery's ``X-Chatwoot-Timestamp`` (when Chatwoot sent it), else the time
  Parley received it; a backfill uses the time it read the message from the REST API;
- conversations: the payload's own ``updated_at`` (Chatwoot's row version), else as above;
- contacts (whose payloads have no ``updated_at`` either): the delivery time as for messages,
  also when the contact comes embedded in a conversation or message event.

An incoming state replaces the stored one when ``(version, sha256 of its canonical JSON)``
is greater: an older state never overwrites a newer one, and equal versions break ties the
same way whatever the arrival order. When the data is identical, only the stored version moves
forward (no event: nothing a consumer reads changed); without that, an identical state seen
early could later lose to an older, different one. Deletion is terminal: a deleted message is
never resurrected by a later non-deleted state, and a deletion applies whatever the version
of the state it replaces. Together these make the final state independent of arrival order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any


class Decision(Enum):
    KEEP = "keep"  # the stored state stays as it is
    REFRESH = "refresh"  # same data, newer version: move the version forward, no event
    REPLACE = "replace"  # the incoming state is newer: write it and emit an event


@dataclass(frozen=True)
class VersionedState:
    version: datetime | None
    data: dict[str, Any]
    deleted: bool = False


def canonical_digest(data: dict[str, Any]) -> str:
    encoded = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(encoded.encode()).hexdigest()


def decide(incoming: VersionedState, stored: VersionedState) -> Decision:
    """What to do with ``incoming`` given the ``stored`` state of the same object."""
    if stored.deleted != incoming.deleted:
        return Decision.REPLACE if incoming.deleted else Decision.KEEP
    newer = stored.version is None or (
        incoming.version is not None and incoming.version > stored.version
    )
    if incoming.data == stored.data:
        return Decision.REFRESH if newer else Decision.KEEP
    if stored.version is None or incoming.version is None:
        return Decision.REPLACE if stored.version is None else Decision.KEEP
    if (incoming.version, canonical_digest(incoming.data)) > (
        stored.version,
        canonical_digest(stored.data),
    ):
        return Decision.REPLACE
    return Decision.KEEP
