"""Default escalation phrases per language (seed 001: "refund", "lawsuit", "возврат"…).

A phrase matches whole words, ignoring case and accents (``escalation.PhraseMatcher``); a
trailing ``*`` lets its last word go on (``refund*``: refund, refunds, refunded), which is
how the inflected languages' forms are caught (``возврат*``: возврата, возвратом).
"""

from __future__ import annotations

TRIGGER_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "refund*",
        "money back",
        "chargeback*",
        "lawsuit*",
        "lawyer*",
        "attorney*",
        "legal action",
        "sue you",
        "cancel my subscription",
        "speak to a manager",
        "talk to a human",
        "complaint*",
    ),
    "de": (
        "rückerstattung*",
        "erstattung*",
        "geld zurück",
        "anwalt*",
        "klage*",
        "rechtliche schritte",
        "beschwerde*",
        "kündigung*",
    ),
    "es": (
        "reembolso*",
        "devolución del dinero",
        "devuelvan mi dinero",
        "abogado*",
        "demanda*",
        "denuncia*",
        "queja*",
        "reclamación*",
    ),
    "fr": (
        "remboursement*",
        "rembourser",
        "avocat*",
        "plainte*",
        "poursuites",
        "action en justice",
        "réclamation*",
    ),
    "ru": (
        "возврат*",
        "верните деньги",
        "вернуть деньги",
        "юрист*",
        "адвокат*",
        "в суд",
        "судебн*",
        "жалоб*",
        "претензи*",
    ),
}

NEGATIVE_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "angry",
        "furious",
        "terrible",
        "awful",
        "horrible",
        "unacceptable",
        "disgusting",
        "worst",
        "ridiculous",
        "scam",
        "useless",
    ),
    "de": (
        "wütend",
        "schrecklich",
        "furchtbar",
        "inakzeptabel",
        "unverschämt*",
        "frechheit",
        "betrug",
        "katastrophe",
    ),
    "es": (
        "furioso",
        "furiosa",
        "terrible",
        "horrible",
        "inaceptable",
        "estafa",
        "vergüenza",
        "pésimo",
    ),
    "fr": (
        "furieux",
        "furieuse",
        "inacceptable",
        "horrible",
        "honteux",
        "arnaque",
        "scandaleux",
        "nul",
    ),
    "ru": (
        "ужасн*",
        "отвратительн*",
        "безобрази*",
        "возмутительн*",
        "обман*",
        "мошенни*",
        "кошмар*",
    ),
}


def _flat(by_language: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for phrases in by_language.values() for p in phrases))


DEFAULT_TRIGGER_PHRASES = _flat(TRIGGER_PHRASES)
DEFAULT_NEGATIVE_WORDS = _flat(NEGATIVE_WORDS)
