"""When keyword search also looks for misspelled matches, and how much of the table it may
scan for them (pure; ``SearchRepository.keyword`` runs the trigram search).

A trigram search reads the trigram index's posting list of every trigram of the query, so
its cost grows with the query's length times the table's size: 30 unknown words took ~150 ms
of index scan at 100k chunks whatever they matched (bench/search/typo.py). A misspelling is
a short query of ordinary words; so the fallback runs only for queries of at most
``max_words`` words of at most ``MAX_WORD_CHARS`` characters (a longer query has words enough
for full text and semantic search), and scores at most ``candidates`` trigram matches, the
first the index scan finds.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_QUERY_CHARS = 4  # shorter queries share trigrams with too much text
MAX_WORD_CHARS = 24  # past this a "word" is an identifier or noise, not a misspelled word


@dataclass(frozen=True)
class TypoFallback:
    below: int  # runs when full text finds fewer chunks than this (0: never)
    max_words: int
    candidates: int  # trigram matches scored at most

    def applies(self, query: str, *, found: int) -> bool:
        """Whether a query whose full-text search found ``found`` chunks looks for
        misspellings (the repository also requires a word in none of the caller's chunks)."""
        words = query.split()
        return (
            found < self.below
            and len(query) >= MIN_QUERY_CHARS
            and len(words) <= self.max_words
            and all(len(word) <= MAX_WORD_CHARS for word in words)
        )
