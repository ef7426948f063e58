"""The private note a suggestion becomes, and how Parley recognises its own notes."""

from __future__ import annotations

from parley_search_api.answers.schemas import Answer

# The note's last line: Parley's notes come back through the webhook as messages of the
# conversation, and this marks them as Parley's (besides being private and outgoing).
NOTE_MARKER = "— Parley suggestion (private note; not sent to the customer)"
MAX_QUOTE_CHARS = 160


def is_parley_note(content: str | None) -> bool:
    return content is not None and content.rstrip().endswith(NOTE_MARKER)


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_QUOTE_CHARS else flat[: MAX_QUOTE_CHARS - 1] + "…"


def note_content(answer: Answer) -> str:
    """The draft, the escalation hint first when there is one, its sources, the marker."""
    lines: list[str] = []
    if answer.escalation.recommended:
        reasons = ", ".join(f"{r.code.value} ({r.detail})" for r in answer.escalation.reasons)
        lines += [f"⚠ Escalation recommended: {reasons}", ""]
    lines += [answer.draft, ""]
    if answer.citations:
        lines.append("Sources:")
        lines += [
            f"[{c.id}] {c.url or c.kind.value}: “{_quote(c.quote)}”" for c in answer.citations
        ]
        lines.append("")
    lines.append(NOTE_MARKER)
    return "\n".join(lines)
