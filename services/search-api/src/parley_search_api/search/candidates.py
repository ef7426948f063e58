"""What each search component returns: a chunk, its conversation (or, for a knowledge chunk,
its document) and a raw score.

Its own module so that ranking (pure) imports the type without the SQL that produces it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    chunk_id: uuid.UUID
    conversation_id: str  # the hit's group: its conversation, or its knowledge document
    score: float  # higher is better; comparable only within one component
    # it has a rare identifier of the query or is a conversation the query names: such hits
    # rank above every hit without (ranking.py)
    exact: bool = False
