from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parley_ingest.normalization.text_cleaning import plain_text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Hi! My **order #A-1042** is late 😞", "Hi! My order #A-1042 is late 😞"),
        ("[tracking](https://track.example/1)", "tracking"),
        ("<p>Hello,<br>see the <b>invoice</b></p>", "Hello,\nsee the invoice"),
        ("- one\n- two", "one\ntwo"),
        ("Здравствуйте! 注文番号は A-1042 です。", "Здравствуйте! 注文番号は A-1042 です。"),
        ("<script>alert(1)</script>visible", "visible"),
        ("e\u0301", "\u00e9"),
    ],
)
def test_markdown_and_html_become_plain_text(content: str, expected: str) -> None:
    assert plain_text(content) == expected


@pytest.mark.parametrize("content", [None, "", "   \n ", "<p></p>"])
def test_nothing_readable_is_none(content: str | None) -> None:
    assert plain_text(content) is None


@given(st.text())
def test_any_text_is_cleaned_without_error_and_is_stable(content: str) -> None:
    cleaned = plain_text(content)
    if cleaned is not None:
        assert cleaned == cleaned.strip()
        assert plain_text(cleaned) is not None
