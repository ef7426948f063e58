"""What a keyword query asks for: loose words (any of them, ranked), ``"phrases"`` (all of
them, in order) and ``-exclusions`` (none of them); pure parsing, the SQL is in keyword.py.

Web-search syntax as ``websearch_to_tsquery`` reads it, but with OR semantics for the loose
words: a question of six words matches a message with any of them, ranked by how rare the
words it has are (BM25), instead of only the messages that have all six. ``or`` between words
is what every loose word means already, so it is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_WORDS = 16  # words looked up per query: each costs a capped posting-list count
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# An identifier looks like one (a digit, ``@``, ``_``, or punctuation inside a word: order
# numbers, error codes, e-mail addresses, handles, part numbers) and is rare in the corpus:
# keyword.py decides the rarity from the token's document frequency.
_IDENTIFIER_SHAPE = re.compile(r"\d|[@_]|\w[.\-/:#+]\w")
_EDGE_PUNCTUATION = "\"'()[]{}<>,;!?."


@dataclass(frozen=True)
class KeywordQuery:
    words: tuple[str, ...]  # loose words, in query order, without duplicates
    phrases: tuple[str, ...]
    exclusions: tuple[str, ...]  # words and phrases that must not occur

    @property
    def scored_words(self) -> tuple[str, ...]:
        """The words whose lexemes score a match: the loose ones and the phrases' words."""
        words = list(self.words)
        for phrase in self.phrases:
            words += [w for w in phrase.split() if w not in words]
        return tuple(words[:MAX_WORDS])


def parse(query: str) -> KeywordQuery:
    words: list[str] = []
    phrases: list[str] = []
    exclusions: list[str] = []
    for match in _TOKEN.finditer(query):
        minus, quoted, bare = match.groups()
        if quoted is not None:
            text = " ".join(quoted.split())
            if text:
                (exclusions if minus else phrases).append(text)
            continue
        if bare.startswith("-") and len(bare) > 1:
            exclusions.append(bare[1:])
            continue
        word = bare.strip(_EDGE_PUNCTUATION) or bare
        if word.lower() != "or" and word not in words:
            words.append(word)
    return KeywordQuery(tuple(words[:MAX_WORDS]), tuple(phrases), tuple(exclusions))


def looks_like_identifier(word: str) -> bool:
    return _IDENTIFIER_SHAPE.search(word) is not None
