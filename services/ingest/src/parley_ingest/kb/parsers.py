"""Files and article texts to :class:`DocumentBody`: headings with their level, paragraphs,
and the page each came from (PDF).

Each format goes through a well-kept parser: ``pypdf`` (text per page; a PDF has no
reliable headings, so every block is a paragraph carrying its page), ``python-docx``
(paragraphs; ``Heading N`` and ``Title`` styles are headings), ``markdown-it-py`` (ATX and
setext headings, paragraphs, list items, code and quotes as paragraphs), ``beautifulsoup4``
(``h1`` to ``h6`` and the block elements of HTML), plain text (blank-line separated paragraphs).
Chatwoot Help Center articles are Markdown. Parsing is CPU work on the caller's thread: the
uploads service runs it in a worker thread.

A file that cannot be read as its type raises :class:`UnreadableDocument` with a reason a
person can act on (``the PDF is encrypted``); it is stored as a ``failed`` document.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from pathlib import PurePath
from typing import Any

import docx
import pypdf
from bs4 import BeautifulSoup, Tag
from markdown_it import MarkdownIt
from parley_schema.knowledge import BlockKind, DocumentBlock, DocumentBody
from pypdf.errors import FileNotDecryptedError, PdfReadError

from parley_ingest.kb.errors import UnreadableDocument, UnsupportedDocumentType

_WHITESPACE = re.compile(r"\s+")
_HEADING_STYLE = re.compile(r"^Heading ([1-6])$")


class DocumentType(StrEnum):
    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    MARKDOWN = "text/markdown"
    HTML = "text/html"
    TEXT = "text/plain"


_BY_SUFFIX = {
    ".pdf": DocumentType.PDF,
    ".docx": DocumentType.DOCX,
    ".md": DocumentType.MARKDOWN,
    ".markdown": DocumentType.MARKDOWN,
    ".html": DocumentType.HTML,
    ".htm": DocumentType.HTML,
    ".txt": DocumentType.TEXT,
    ".text": DocumentType.TEXT,
}


def document_type(file_name: str, media_type: str | None) -> DocumentType:
    """The type of an upload: by its declared media type when it names one of ours, else by
    its file name's suffix (browsers send ``application/octet-stream`` for many files)."""
    declared = (media_type or "").split(";")[0].strip().lower()
    for known in DocumentType:
        if declared == known.value:
            return known
    by_suffix = _BY_SUFFIX.get(PurePath(file_name).suffix.lower())
    if by_suffix is None:
        raise UnsupportedDocumentType(
            f"cannot read {declared or 'this file'}: upload PDF, DOCX, Markdown, HTML or "
            "plain text (.pdf, .docx, .md, .html, .txt)",
            field="file",
        )
    return by_suffix


def _clean(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _paragraph(text: str, page: int | None = None) -> DocumentBlock | None:
    cleaned = _clean(text)
    return DocumentBlock(kind=BlockKind.PARAGRAPH, text=cleaned, page=page) if cleaned else None


def _heading(text: str, level: int) -> DocumentBlock | None:
    cleaned = _clean(text)
    return DocumentBlock(kind=BlockKind.HEADING, text=cleaned, level=level) if cleaned else None


def _body(blocks: Iterable[DocumentBlock | None]) -> DocumentBody:
    kept = tuple(block for block in blocks if block is not None)
    if not any(block.kind is BlockKind.PARAGRAPH for block in kept):
        raise UnreadableDocument("the document holds no text")
    return DocumentBody(blocks=kept)


def _outline(reader: pypdf.PdfReader) -> dict[int, list[tuple[int, str]]]:
    """The PDF's bookmarks (its table of contents) as headings by 1-based page."""
    found: dict[int, list[tuple[int, str]]] = {}

    def walk(items: list[Any], level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            page = reader.get_destination_page_number(item)
            title = getattr(item, "title", None)
            if page is not None and page >= 0 and isinstance(title, str) and _clean(title):
                found.setdefault(page + 1, []).append((min(level, 6), _clean(title)))

    walk(reader.outline, 1)
    return found


def parse_pdf(data: bytes) -> DocumentBody:
    """Each page's text as paragraphs carrying the page number; the bookmarks, where the PDF
    has them, as headings at the top of their page (a PDF has no other reliable headings)."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadableDocument("the PDF is encrypted: upload it without a password")
        pages = [page.extract_text() or "" for page in reader.pages]
        outline = _outline(reader)
    except FileNotDecryptedError as error:
        raise UnreadableDocument("the PDF is encrypted: upload it without a password") from error
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as error:
        raise UnreadableDocument(f"not a readable PDF ({type(error).__name__})") from error
    blocks: list[DocumentBlock | None] = []
    for number, text in enumerate(pages, start=1):
        headings = outline.get(number, [])
        for level, title in headings:
            blocks.append(
                DocumentBlock(kind=BlockKind.HEADING, text=title, level=level, page=number)
            )
            if _clean(text).startswith(title):  # the heading's own line on the page
                text = _clean(text)[len(title) :]
        blocks.extend(_paragraph(part, number) for part in re.split(r"\n\s*\n", text))
    if not any(block for block in blocks if block and block.kind is BlockKind.PARAGRAPH):
        raise UnreadableDocument("the PDF has no text layer (a scan?): upload a text PDF")
    return _body(blocks)


def parse_docx(data: bytes) -> DocumentBody:
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise UnreadableDocument(f"not a readable DOCX file ({type(error).__name__})") from error

    def blocks() -> Iterator[DocumentBlock | None]:
        for paragraph in document.paragraphs:
            style = paragraph.style.name if paragraph.style is not None else ""
            level = _HEADING_STYLE.match(style or "")
            if level:
                yield _heading(paragraph.text, int(level.group(1)))
            elif style == "Title":
                yield _heading(paragraph.text, 1)
            else:
                yield _paragraph(paragraph.text)

    return _body(blocks())


_MARKDOWN = MarkdownIt("commonmark")


def parse_markdown(text: str) -> DocumentBody:
    """Headings (``#``…, setext), and every paragraph, list item, code block and quote as a
    paragraph of its text (inline markup dropped, link texts kept)."""
    tokens = _MARKDOWN.parse(text)
    blocks: list[DocumentBlock | None] = []
    heading_level: int | None = None
    for token in tokens:
        if token.type == "heading_open":
            heading_level = int(token.tag[1])
        elif token.type == "heading_close":
            heading_level = None
        elif token.type == "inline":
            plain = "".join(
                child.content for child in token.children or () if child.type in _INLINE_TEXT
            )
            if heading_level is not None:
                blocks.append(_heading(plain, heading_level))
            else:
                blocks.append(_paragraph(plain))
        elif token.type in ("fence", "code_block"):
            blocks.append(_paragraph(token.content))
        elif token.type == "html_block":
            blocks.extend(parse_html(token.content).blocks if _clean(token.content) else ())
    return _body(blocks)


_INLINE_TEXT = frozenset({"text", "code_inline", "softbreak", "hardbreak"})
_HTML_BLOCKS = ("p", "li", "pre", "blockquote", "td", "th", "dt", "dd", "figcaption")
_HTML_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def parse_html(text: str) -> DocumentBody:
    """``h1`` to ``h6`` as headings and the text of block elements as paragraphs, in document
    order; scripts, styles and navigation dropped. Text outside any block element (a bare
    ``<body>text</body>``) is one paragraph."""
    soup = BeautifulSoup(text, "html.parser")
    for noise in soup(["script", "style", "nav", "noscript", "template"]):
        noise.decompose()
    blocks: list[DocumentBlock | None] = []
    for element in soup.find_all([*_HTML_HEADINGS, *_HTML_BLOCKS]):
        if not isinstance(element, Tag):
            continue
        if element.find_parent([*_HTML_BLOCKS, *_HTML_HEADINGS]) is not None:
            continue  # its text belongs to the enclosing block
        if element.name in _HTML_HEADINGS:
            blocks.append(_heading(element.get_text(" "), int(element.name[1])))
        else:
            blocks.append(_paragraph(element.get_text(" ")))
    if not any(blocks):
        blocks.append(_paragraph(soup.get_text(" ")))
    return _body(blocks)


def parse_text(text: str) -> DocumentBody:
    return _body(_paragraph(part) for part in re.split(r"\n\s*\n", text))


def _decoded(parser: Callable[[str], DocumentBody]) -> Callable[[bytes], DocumentBody]:
    def parse(data: bytes) -> DocumentBody:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UnreadableDocument("the file is not UTF-8 text") from error
        return parser(text)

    return parse


_PARSERS: dict[DocumentType, Callable[[bytes], DocumentBody]] = {
    DocumentType.PDF: parse_pdf,
    DocumentType.DOCX: parse_docx,
    DocumentType.MARKDOWN: _decoded(parse_markdown),
    DocumentType.HTML: _decoded(parse_html),
    DocumentType.TEXT: _decoded(parse_text),
}


def parse_file(data: bytes, kind: DocumentType) -> DocumentBody:
    """The structured text of an uploaded file (UnreadableDocument: it cannot be read)."""
    return _PARSERS[kind](data)
