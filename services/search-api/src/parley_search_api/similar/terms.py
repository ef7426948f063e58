"""Which of the source conversation's words query the keyword side (pure).

OR-ing every word of a conversation would match most of the table through its common words
(each posting list read, ranked up to the rank limit, ~450 ms at 400k chunks in
bench/search/similar.py). Rare words are also the ones that tell conversations apart (the
idea of IDF). So the words are taken rarest first, by the share of chunks Postgres' own
statistics give each (``pg_stats.most_common_elems`` of the indexed text vector; a word
missing there is rarer than all of them), while the shares taken add up to at most
``max_share`` of the table: a bound on the chunks the query can match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def pick_lexemes(
    lexemes: Sequence[str], shares: Mapping[str, float], *, limit: int, max_share: float
) -> list[str]:
    """Up to ``limit`` of ``lexemes`` (the source's, most frequent first), rarest first,
    while their summed ``shares`` stay within ``max_share``; ties keep the source's order."""
    ranked = sorted(enumerate(lexemes), key=lambda item: (shares.get(item[1], 0.0), item[0]))
    picked: list[str] = []
    total = 0.0
    for _, lexeme in ranked:
        share = shares.get(lexeme, 0.0)
        if len(picked) == limit or total + share > max_share:
            break
        picked.append(lexeme)
        total += share
    return picked
