"""What in a query could name a conversation directly: display ids, emails, phones, ids.

Pure parsing; ``repository.lifted_conversations`` matches these against conversations and
their contacts. A display id counts when written ``#123`` or when it is the whole query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DISPLAY_ID = re.compile(r"(?:^|\s)#(\d{1,18})\b")
_BARE_NUMBER = re.compile(r"^\s*#?(\d{1,18})\s*$")
_EMAIL = re.compile(r"[^\s@<>(),;]+@[^\s@<>(),;]+\.[^\s@<>(),;]+")
_PHONE = re.compile(r"\+?[\d][\d\s().-]{5,}\d")
MIN_PHONE_DIGITS = 6
MAX_TOKENS = 20
# Words of three letters or more look up contact names (shorter ones share a trigram with
# too many names).
_NAME_WORD = re.compile(r"[^\W\d_]{3,}")


@dataclass(frozen=True)
class LiftTerms:
    display_ids: tuple[int, ...]
    emails: tuple[str, ...]
    phone_digits: tuple[str, ...]
    tokens: tuple[str, ...]  # lower-cased words, for contact identifiers
    name_words: tuple[str, ...]  # lower-cased runs of letters, for contact names


def lift_terms(query: str) -> LiftTerms:
    display_ids = {int(m) for m in _DISPLAY_ID.findall(query)}
    bare = _BARE_NUMBER.match(query)
    if bare:
        display_ids.add(int(bare.group(1)))
    emails = {m.lower().strip(".") for m in _EMAIL.findall(query)}
    phones = set()
    for match in _PHONE.findall(query):
        digits = re.sub(r"\D", "", match)
        if len(digits) >= MIN_PHONE_DIGITS:
            phones.add(digits)
    tokens = {t.lower().strip(".,;:!?\"'()[]") for t in query.split()}
    return LiftTerms(
        display_ids=tuple(sorted(d for d in display_ids if d > 0)),
        emails=tuple(sorted(emails)),
        phone_digits=tuple(sorted(phones)),
        tokens=tuple(sorted(t for t in tokens if t))[:MAX_TOKENS],
        name_words=tuple(sorted({w.lower() for w in _NAME_WORD.findall(query)}))[:MAX_TOKENS],
    )
