"""Pure parts of the knowledge side: file types, Markdown and HTML structure, article facts."""

from __future__ import annotations

import pytest
from parley_ingest.kb.errors import UnreadableDocument, UnsupportedDocumentType
from parley_ingest.kb.helpcenter.articles import article_url, category_slug, is_searchable
from parley_ingest.kb.parsers import (
    DocumentType,
    document_type,
    parse_html,
    parse_markdown,
    parse_text,
)


@pytest.mark.parametrize(
    ("name", "media_type", "expected"),
    [
        ("a.pdf", "application/octet-stream", DocumentType.PDF),
        ("notes", "text/markdown; charset=utf-8", DocumentType.MARKDOWN),
        ("README.MD", None, DocumentType.MARKDOWN),
        ("page.htm", "", DocumentType.HTML),
        ("x.docx", "application/zip", DocumentType.DOCX),
        ("x.txt", "text/plain", DocumentType.TEXT),
    ],
)
def test_the_type_comes_from_the_media_type_else_the_suffix(
    name: str, media_type: str | None, expected: DocumentType
) -> None:
    assert document_type(name, media_type) is expected


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(UnsupportedDocumentType):
        document_type("sheet.xlsx", "application/vnd.ms-excel")


def test_markdown_keeps_headings_lists_and_code_and_drops_inline_markup() -> None:
    body = parse_markdown(
        "Refunds\n=======\n\nWe refund **within** [five days](https://x.test).\n\n"
        "### Steps\n\n- open the order\n- press *Refund*\n\n```\nrefund --order 42\n```\n"
    )
    assert [(b.kind, b.level, b.text) for b in body.blocks] == [
        ("heading", 1, "Refunds"),
        ("paragraph", None, "We refund within five days."),
        ("heading", 3, "Steps"),
        ("paragraph", None, "open the order"),
        ("paragraph", None, "press Refund"),
        ("paragraph", None, "refund --order 42"),
    ]


def test_html_takes_a_nested_block_once_and_bare_text_as_one_paragraph() -> None:
    nested = parse_html("<blockquote><p>Quoted</p> tail</blockquote><h3>End</h3>")
    assert [b.text for b in nested.blocks] == ["Quoted tail", "End"]
    bare = parse_html("<body>Just   some\ntext</body>")
    assert [b.text for b in bare.blocks] == ["Just some text"]


@pytest.mark.parametrize("text", ["", "   \n\n  ", "# Only a heading\n"])
def test_a_text_without_paragraphs_is_unreadable(text: str) -> None:
    with pytest.raises(UnreadableDocument):
        parse_markdown(text)


def test_an_empty_text_file_is_unreadable() -> None:
    with pytest.raises(UnreadableDocument):
        parse_text(" \n\n ")


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ({"slug": "getting-started", "name": "Getting started"}, "getting-started"),
        ({"slug": None, "name": "Facturación y Pagos"}, "facturaci-n-y-pagos"),
        ({"slug": "2024 updates"}, "general"),
        (None, "general"),
    ],
)
def test_an_article_category_becomes_a_slug(category: object, expected: str) -> None:
    assert category_slug({"category": category}) == expected


@pytest.mark.parametrize(
    ("status", "drafts", "searchable"),
    [
        ("published", False, True),
        ("draft", False, False),
        ("draft", True, True),
        ("archived", True, False),
    ],
)
def test_only_published_articles_and_drafts_when_asked_are_searchable(
    status: str, drafts: bool, searchable: bool
) -> None:
    assert is_searchable({"status": status}, include_drafts=drafts) is searchable


def test_an_article_links_to_its_public_page() -> None:
    url = article_url("https://chat.example/", "help desk", {"slug": "1-refunds"})
    assert url == "https://chat.example/hc/help%20desk/articles/1-refunds"
    assert article_url("https://chat.example", "help", {"slug": None}) is None
