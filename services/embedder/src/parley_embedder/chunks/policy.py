"""Which messages are embedded.

- Deleted messages and messages without text: never (their chunks are removed).
- Private notes: yes by default (``PARLEY_EMBED_PRIVATE_NOTES``); every chunk carries
  ``private`` and search hides them unless the caller asks for them.
- Activity messages (``message_type = 'activity'``, "Conversation was resolved by …"): no
  by default (``PARLEY_EMBED_ACTIVITY_MESSAGES``); they are system noise for search.
A message the policy turns away loses any chunks it had, so changing a setting and
replaying converges to the new policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from parley_embedder.chunks.repository import MessageFacts

ACTIVITY = "activity"


@dataclass(frozen=True)
class EmbedPolicy:
    embed_private_notes: bool = True
    embed_activity_messages: bool = False

    def text_to_embed(self, message: MessageFacts) -> str:
        """The text to chunk, or "" when the message must have no chunks."""
        if message.deleted_at is not None or not message.content:
            return ""
        if message.private and not self.embed_private_notes:
            return ""
        if message.message_type == ACTIVITY and not self.embed_activity_messages:
            return ""
        return message.content
