"""Chunker behaviour with a whitespace token counter (every word is one token)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parley_embeddings.chunking import Chunker


def words(text: str) -> int:
    return len(text.split())


def sentence(n: int, word: str = "word") -> str:
    return " ".join([word] * (n - 1) + [word + "."])


class TestSplit:
    def test_short_text_is_one_chunk_with_its_token_count(self) -> None:
        chunks = Chunker(words, max_tokens=10, overlap_tokens=2).split("  Where is my order?  ")
        assert [(c.index, c.text, c.tokens) for c in chunks] == [(0, "Where is my order?", 4)]

    def test_blank_text_has_no_chunks(self) -> None:
        assert Chunker(words).split(" \n\t ") == []

    def test_long_text_is_cut_at_paragraph_boundaries_first(self) -> None:
        text = "\n\n".join(sentence(6, w) for w in ("alpha", "beta", "gamma"))
        chunks = Chunker(words, max_tokens=12, overlap_tokens=0).split(text)
        assert [c.text for c in chunks] == [
            sentence(6, "alpha") + "\n\n" + sentence(6, "beta"),
            sentence(6, "gamma"),
        ]

    def test_long_paragraph_is_cut_at_sentence_boundaries(self) -> None:
        text = " ".join(sentence(4, w) for w in ("one", "two", "three"))
        chunks = Chunker(words, max_tokens=8, overlap_tokens=0).split(text)
        assert [c.text for c in chunks] == [
            sentence(4, "one") + " " + sentence(4, "two"),
            sentence(4, "three"),
        ]

    def test_each_chunk_after_the_first_repeats_the_previous_tail(self) -> None:
        text = " ".join(sentence(3, w) for w in ("a", "b", "c", "d"))
        chunks = Chunker(words, max_tokens=6, overlap_tokens=3).split(text)
        assert [c.text for c in chunks] == [
            "a a a. b b b.",
            "b b b. c c c.",
            "c c c. d d d.",
        ]

    def test_a_sentence_longer_than_the_limit_is_cut_between_words(self) -> None:
        chunks = Chunker(words, max_tokens=4, overlap_tokens=0).split(sentence(10))
        assert [c.tokens for c in chunks] == [4, 4, 2]

    def test_a_word_longer_than_the_limit_is_cut_inside(self) -> None:
        def chars(text: str) -> int:
            return len(text)

        chunks = Chunker(chars, max_tokens=4, overlap_tokens=0).split("abcdefghij")
        assert [c.text for c in chunks] == ["abcd", "efgh", "ij"]

    @pytest.mark.parametrize(("max_tokens", "overlap"), [(0, 0), (5, 5), (5, -1)])
    def test_bad_limits_are_refused(self, max_tokens: int, overlap: int) -> None:
        with pytest.raises(ValueError, match="tokens"):
            Chunker(words, max_tokens=max_tokens, overlap_tokens=overlap)


texts = st.lists(
    st.one_of(
        st.text(alphabet="abcdefgh", min_size=1, max_size=12),
        st.sampled_from([".", "!", "?", "\n", "\n\n", " ", "  "]),
    ),
    max_size=200,
).map(lambda parts: " ".join(parts))


@settings(max_examples=200, deadline=None)
@given(text=texts, max_tokens=st.integers(1, 30), overlap=st.integers(0, 29))
def test_chunks_respect_the_limit_and_lose_no_words(
    text: str, max_tokens: int, overlap: int
) -> None:
    overlap = min(overlap, max_tokens - 1)
    chunks = Chunker(words, max_tokens=max_tokens, overlap_tokens=overlap).split(text)
    assert all(0 < c.tokens <= max_tokens for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    no_overlap = Chunker(words, max_tokens=max_tokens, overlap_tokens=0).split(text)
    assert [w for c in no_overlap for w in c.text.split()] == text.split()
