"""Searchable plain text from Chatwoot message content.

Agents write markdown in Chatwoot's editor; email and some channels deliver HTML; both may
mix. The content is rendered as markdown (raw HTML passes through), then every tag is dropped
and whitespace is folded: block elements become line breaks, runs of spaces become one. The
result is NFC-normalized so the same visible text always hashes the same.
"""

from __future__ import annotations

import re
import unicodedata

from bs4 import BeautifulSoup
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_BLOCKS = [
    "p", "div", "li", "ul", "ol", "pre", "blockquote", "table", "tr", "td", "th",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "section", "article", "header", "footer",
]  # fmt: skip


def plain_text(content: str | None) -> str | None:
    """The searchable text of ``content``; ``None`` when nothing readable is left."""
    if content is None:
        return None
    html = _markdown.render(content)
    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style", "head", "title"]):
        hidden.decompose()
    for line_break in soup.find_all("br"):
        line_break.replace_with("\n")
    for block in soup.find_all(_BLOCKS):
        block.insert_after("\n")
    text = soup.get_text()
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    folded = "\n".join(line for line in lines if line)
    folded = _BLANK_LINES.sub("\n", folded).strip()
    if not folded:
        return None
    return unicodedata.normalize("NFC", folded)
