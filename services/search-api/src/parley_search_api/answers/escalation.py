"""Escalation hints (seed 001): trigger phrases, negative words, low retrieval confidence.

Phrases match whole words, case- and accent-insensitively (both sides are NFKD-decomposed,
combining marks dropped and case-folded: "Rückerstattung" matches "ruckerstattung", "Возврат"
matches "возврат"); a trailing ``*`` lets the last word go on (``answers.phrases``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from parley_search_api.answers.schemas import Escalation, EscalationReason, ReasonCode


def fold(text: str) -> str:
    """Lower-cased, without accents (NFKD, combining marks dropped)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _pattern(phrase: str) -> str:
    prefix = phrase.endswith("*")
    words = fold(phrase.rstrip("*")).split()
    body = r"\s+".join(re.escape(word) for word in words)
    return rf"(?<!\w){body}" + (r"\w*" if prefix else r"(?!\w)")


class PhraseMatcher:
    """Which of ``phrases`` occur in a text, in their configured order."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._patterns = [
            (phrase, re.compile(_pattern(phrase)))
            for phrase in dict.fromkeys(phrases)
            if phrase.rstrip("*").strip()
        ]

    def found(self, text: str) -> list[str]:
        folded = fold(text)
        return [phrase for phrase, pattern in self._patterns if pattern.search(folded)]


class EscalationPolicy:
    def __init__(
        self, *, triggers: Iterable[str], negative: Iterable[str], min_confidence: float
    ) -> None:
        self._triggers = PhraseMatcher(triggers)
        self._negative = PhraseMatcher(negative)
        self._min_confidence = min_confidence

    def assess(self, customer_text: str, confidence: float) -> Escalation:
        reasons = [
            EscalationReason(code=ReasonCode.TRIGGER_PHRASE, detail=phrase)
            for phrase in self._triggers.found(customer_text)
        ]
        reasons += [
            EscalationReason(code=ReasonCode.NEGATIVE_SENTIMENT, detail=word)
            for word in self._negative.found(customer_text)
        ]
        if confidence < self._min_confidence:
            reasons.append(
                EscalationReason(
                    code=ReasonCode.LOW_CONFIDENCE,
                    detail=f"{confidence:.2f} < {self._min_confidence:.2f}",
                )
            )
        return Escalation(recommended=bool(reasons), reasons=reasons)
