import pytest

from bot.nlu.detect import detect_language


@pytest.mark.parametrize(
    "text, language",
    [
        ("I love old churches", "en"),
        ("what should I see in Macau", "en"),
        ("我想去寺廟", "zh-Hant"),
        ("有冇好去處", "zh-Hant"),  # Cantonese, no Traditional-only character needed
        ("我想去寺庙", "zh-Hans"),
        ("推荐几个博物馆", "zh-Hans"),
        ("Quero ver igrejas antigas", "pt"),
        ("olá", "pt"),
        ("o que visitar em Macau", "pt"),
    ],
)
def test_language_of_a_message(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "   ", "ok", "123", "👍"])
def test_cannot_tell_keeps_the_conversations_language(text):
    assert detect_language(text) is None
