"""Escalation: trigger phrases and negative words in five languages (whole words, case and
accents ignored, ``*`` prefixes), low confidence, and the settings that configure them."""

from __future__ import annotations

import pytest
from parley_search_api.answers.escalation import EscalationPolicy, PhraseMatcher
from parley_search_api.answers.phrases import DEFAULT_NEGATIVE_WORDS, DEFAULT_TRIGGER_PHRASES
from parley_search_api.settings import SearchSettings
from pydantic import ValidationError

DEFAULTS = PhraseMatcher(DEFAULT_TRIGGER_PHRASES)


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("I want a REFUND now", "refund*"),
        ("was it refunded yet?", "refund*"),
        ("My lawyer will call you", "lawyer*"),
        ("Ich möchte eine Rückerstattung", "rückerstattung*"),
        ("ich will mein Geld   zurück", "geld zurück"),
        ("Ich will mein geld zuruck", "geld zurück"),  # without the umlaut
        ("Quiero un reembolso", "reembolso*"),
        ("hablaré con mi abogado", "abogado*"),
        ("je veux un remboursement", "remboursement*"),
        ("Je vais porter plainte", "plainte*"),
        ("Требую возврат денег", "возврат*"),
        ("где мой возврата?", "возврат*"),
        ("ВЕРНИТЕ ДЕНЬГИ", "верните деньги"),
        ("Я подам в суд", "в суд"),
    ],
)
def test_default_trigger_phrases_in_five_languages(text: str, phrase: str) -> None:
    assert phrase in DEFAULTS.found(text)


@pytest.mark.parametrize(
    "text",
    [
        "the prefund balance is fine",  # not at a word's start
        "they sued your rival",  # "sue you" is two whole words
        "Thanks, all good!",
        "Ich bin zufrieden",
        "Спасибо, всё работает",
        "судя по всему",  # "в суд" is not "судя"
    ],
)
def test_look_alikes_and_calm_messages_do_not_trigger(text: str) -> None:
    assert DEFAULTS.found(text) == []


def test_a_policy_gives_machine_readable_reasons() -> None:
    policy = EscalationPolicy(
        triggers=DEFAULT_TRIGGER_PHRASES, negative=DEFAULT_NEGATIVE_WORDS, min_confidence=0.5
    )
    escalation = policy.assess("This is unacceptable, I want a refund!", confidence=0.42)
    assert escalation.recommended is True
    assert [r.model_dump(mode="json") for r in escalation.reasons] == [
        {"code": "trigger_phrase", "detail": "refund*"},
        {"code": "negative_sentiment", "detail": "unacceptable"},
        {"code": "low_confidence", "detail": "0.42 < 0.50"},
    ]
    calm = policy.assess("How do I reset my password?", confidence=0.8)
    assert calm.recommended is False
    assert calm.reasons == []


def test_settings_replace_the_phrases_with_a_comma_separated_list() -> None:
    settings = SearchSettings(
        answers_trigger_phrases="Kündigung*, speak to a human", answers_negative_words=""
    )
    assert settings.answers_trigger_phrases == ["Kündigung*", "speak to a human"]
    assert settings.answers_negative_words == []
    policy = EscalationPolicy(
        triggers=settings.answers_trigger_phrases,
        negative=settings.answers_negative_words,
        min_confidence=0.0,
    )
    assert [r.detail for r in policy.assess("KUNDIGUNGEN bitte", 1.0).reasons] == ["Kündigung*"]
    assert SearchSettings().answers_trigger_phrases == list(DEFAULT_TRIGGER_PHRASES)
    with pytest.raises(ValidationError):
        SearchSettings(answers_min_confidence=1.5)
    with pytest.raises(ValidationError):
        SearchSettings(llm_redact="card,ssn")
