"""When the typo fallback runs: few full-text matches, and a short query of ordinary words."""

from __future__ import annotations

import pytest
from parley_search_api.search.typo_fallback import MAX_WORD_CHARS, TypoFallback

TYPOS = TypoFallback(below=10, max_words=4, candidates=500)


@pytest.mark.parametrize(
    ("query", "found", "applies"),
    [
        ("subscripton renewel", 0, True),
        ("subscripton renewel", 9, True),
        ("subscripton renewel", 10, False),  # full text found enough
        ("abc", 0, False),  # too short to tell a typo from a coincidence
        ("one two three four", 0, True),
        ("one two three four five", 0, False),  # past max_words
        ("x" * MAX_WORD_CHARS, 0, True),
        ("x" * (MAX_WORD_CHARS + 1), 0, False),  # an identifier or noise, not a word
        (" ".join(["zyquxowi"] * 30), 0, False),  # issue 17's long query of unknown words
    ],
)
def test_the_fallback_runs_only_for_few_matches_of_a_short_query(
    query: str, found: int, applies: bool
) -> None:
    assert TYPOS.applies(query, found=found) is applies


def test_below_zero_means_never() -> None:
    assert not TypoFallback(below=0, max_words=4, candidates=500).applies("refnd", found=0)
