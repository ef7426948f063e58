"""Document chunker behaviour with a whitespace token counter (every word is one token)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from parley_embeddings.document_chunking import DocumentChunker
from parley_schema.knowledge import BlockKind, DocumentBlock, DocumentBody


def words(text: str) -> int:
    return len(text.split())


def heading(text: str, level: int, page: int | None = None) -> DocumentBlock:
    return DocumentBlock(kind=BlockKind.HEADING, text=text, level=level, page=page)


def paragraph(text: str, page: int | None = None) -> DocumentBlock:
    return DocumentBlock(kind=BlockKind.PARAGRAPH, text=text, page=page)


def body(*blocks: DocumentBlock) -> DocumentBody:
    return DocumentBody(blocks=blocks)


class TestSections:
    def test_each_chunk_keeps_its_heading_path_and_starts_with_title_and_path(self) -> None:
        chunks = DocumentChunker(words, max_tokens=50, overlap_tokens=0).split(
            "Refunds",
            body(
                heading("Eligibility", 1),
                paragraph("Unused items within 30 days."),
                heading("Card payments", 2),
                paragraph("Back on the card in five days."),
                heading("Exceptions", 1),
                paragraph("Gift cards are final."),
            ),
        )
        assert [(c.index, c.heading_path) for c in chunks] == [
            (0, ("Eligibility",)),
            (1, ("Eligibility", "Card payments")),
            (2, ("Exceptions",)),
        ]
        assert chunks[1].text == (
            "Refunds > Eligibility > Card payments\n\nBack on the card in five days."
        )
        assert chunks[1].tokens == words(chunks[1].text)

    def test_paragraphs_of_a_section_are_packed_together_but_never_across_a_heading(
        self,
    ) -> None:
        chunks = DocumentChunker(words, max_tokens=12, overlap_tokens=0).split(
            "T",
            body(
                heading("A", 1),
                paragraph("one two three"),
                paragraph("four five six"),
                paragraph("seven eight nine ten"),
                heading("B", 1),
                paragraph("eleven"),
            ),
        )
        assert [c.text for c in chunks] == [
            "T > A\n\none two three\n\nfour five six",
            "T > A\n\nseven eight nine ten",
            "T > B\n\neleven",
        ]

    def test_a_paragraph_longer_than_the_budget_is_split_with_overlap(self) -> None:
        long = " ".join(f"w{i}." for i in range(30))
        chunks = DocumentChunker(words, max_tokens=12, overlap_tokens=2).split(
            "T", body(heading("H", 1), paragraph(long, page=4))
        )
        assert len(chunks) > 1
        assert all(c.tokens <= 12 for c in chunks)
        assert all(c.text.startswith("T > H\n\n") and c.page == 4 for c in chunks)
        second = chunks[1].text.removeprefix("T > H\n\n").split()
        first = chunks[0].text.removeprefix("T > H\n\n").split()
        assert second[:2] == first[-2:]

    def test_page_is_the_page_of_the_chunks_first_paragraph(self) -> None:
        chunks = DocumentChunker(words, max_tokens=7, overlap_tokens=0).split(
            "",
            body(paragraph("a b c", page=1), paragraph("d e", page=2), paragraph("f g h", page=2)),
        )
        assert [(c.text, c.page) for c in chunks] == [("a b c\n\nd e", 1), ("f g h", 2)]

    def test_text_without_title_or_headings_has_no_prefix(self) -> None:
        chunks = DocumentChunker(words).split("  ", body(paragraph("  just text  ")))
        assert [(c.text, c.heading_path, c.page) for c in chunks] == [("just text", (), None)]

    def test_a_deeper_heading_after_a_shallower_one_replaces_the_path_below_it(self) -> None:
        chunks = DocumentChunker(words).split(
            "T",
            body(
                heading("A", 1),
                heading("A1", 2),
                heading("A1a", 3),
                paragraph("x"),
                heading("A2", 2),
                paragraph("y"),
            ),
        )
        assert [c.heading_path for c in chunks] == [("A", "A1", "A1a"), ("A", "A2")]

    def test_a_long_path_is_shortened_in_the_prefix_only(self) -> None:
        path = [heading(" ".join([f"h{n}"] * 5), n) for n in range(1, 4)]
        chunks = DocumentChunker(words, max_tokens=20, overlap_tokens=0).split(
            "Title", body(*path, paragraph("body text"))
        )
        (chunk,) = chunks
        assert len(chunk.heading_path) == 3
        assert chunk.text == "Title > h3 h3 h3 h3 h3\n\nbody text"

    def test_headings_alone_make_no_chunks(self) -> None:
        assert DocumentChunker(words).split("T", body(heading("A", 1), heading("B", 2))) == []

    def test_heading_whitespace_is_collapsed(self) -> None:
        (chunk,) = DocumentChunker(words).split("T", body(heading("  A \n b ", 1), paragraph("x")))
        assert chunk.heading_path == ("A b",)


_block = st.one_of(
    st.builds(
        heading,
        st.text(alphabet="abc ", min_size=1, max_size=30).filter(str.strip),
        st.integers(1, 6),
    ),
    st.builds(
        paragraph,
        st.lists(st.sampled_from(["alpha", "beta.", "gamma"]), min_size=1, max_size=60).map(
            " ".join
        ),
        st.none() | st.integers(1, 9),
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_block, max_size=20), st.integers(4, 40))
def test_every_chunk_fits_the_budget_and_keeps_every_word_in_order(
    blocks: list[DocumentBlock], max_tokens: int
) -> None:
    document = DocumentBody(blocks=tuple(blocks))
    chunker = DocumentChunker(words, max_tokens=max_tokens, overlap_tokens=0)
    chunks = chunker.split("Title", document)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert all(c.tokens <= max_tokens for c in chunks)
    vocabulary = {"alpha", "beta.", "gamma"}  # headings and the title use other words
    seen = [w for c in chunks for w in c.text.split() if w in vocabulary]
    expected = [w for b in blocks if b.kind is BlockKind.PARAGRAPH for w in b.text.split()]
    assert seen == expected
