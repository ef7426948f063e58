"""Searchable plain text from Chatwoot message content.

Agents write markdown in Chatwoot's editor; email and some channels deliver HTML; both may
mix. The content is parsed as markdown (CommonMark, raw HTML allowed) and its text is
collected from the token stream: inline text and code, line breaks, one line per block.
Inline tags are dropped; HTML blocks (emails) go through an HTML parser that keeps their text
and drops scripts and styles. Whitespace is folded and the result is NFC-normalized, so the
same visible text always hashes the same.
"""

from __future__ import annotations

import re
import unicodedata

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt
from markdown_it.token import Token

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_LINE_BREAK_TAG = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_HTML_BLOCKS = [
    "p", "div", "li", "ul", "ol", "pre", "blockquote", "table", "tr", "td", "th",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "section", "article", "header", "footer",
]  # fmt: skip


def plain_text(content: str | None) -> str | None:
    """The searchable text of ``content``; ``None`` when nothing readable is left."""
    if content is None:
        return None
    parts: list[str] = []
    for token in _markdown.parse(content):
        if token.type == "inline":
            parts.extend(_inline_text(token.children or []))
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
        elif token.type == "html_block":
            parts.append(_html_text(token.content))
        if token.nesting == -1 or token.type in ("fence", "code_block", "html_block", "hr"):
            parts.append("\n")
    lines = (_SPACES.sub(" ", line).strip() for line in "".join(parts).splitlines())
    folded = _BLANK_LINES.sub("\n", "\n".join(line for line in lines if line)).strip()
    if not folded:
        return None
    return unicodedata.normalize("NFC", folded)


def _inline_text(children: list[Token]) -> list[str]:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak") or (
            child.type == "html_inline" and _LINE_BREAK_TAG.match(child.content)
        ):
            parts.append("\n")
        elif child.type == "image":
            parts.extend(_inline_text(child.children or []))
    return parts


def _html_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "head", "title"]):
        hidden.decompose()
    for line_break in soup.find_all("br"):
        line_break.replace_with("\n")
    for block in soup.find_all(_HTML_BLOCKS):
        block.insert_after("\n")
    return soup.get_text()
