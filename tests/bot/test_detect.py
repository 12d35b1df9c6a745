import pytest

from bot.nlu.detect import detect_language, language_tag


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
        # Portuguese place names inside English say nothing about the visitor's language
        ("any deals near Senado Square?", "en"),
        ("how do I get to Largo do Senado", "en"),
        ("is Ruínas de São Paulo busy now", "en"),
        ("Há promoções perto do Largo do Senado?", "pt"),
        # A Chinese sight name inside another language's sentence: the frame decides.
        ("how old is 媽閣廟?", "en"),
        ("is 大三巴 crowded right now", "en"),
        ("como chego ao 媽閣廟?", "pt"),
        ("大三巴", "zh-Hans"),  # a name alone: Chinese, as before
        ("大三巴 ok?", "zh-Hans"),
        ("媽閣廟幾點開門", "zh-Hant"),
    ],
)
def test_language_of_a_message(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "   ", "ok", "123", "👍", "Largo do Senado"])
def test_cannot_tell_keeps_the_conversations_language(text):
    assert detect_language(text) is None


@pytest.mark.parametrize(
    "text, hint, language",
    [
        ("你好", "zh-Hant", "zh-Hant"),  # script-neutral: the kiosk's Traditional setting decides
        ("你好", "zh-Hans", "zh-Hans"),
        ("你好", None, "zh-Hans"),
        ("我想去寺庙", "zh-Hant", "zh-Hans"),  # Simplified words win over the setting
        ("有冇好去處", "zh-Hans", "zh-Hant"),
        ("ok", "pt", "pt"),  # cannot tell: the setting
        ("👍", "zh-Hant", "zh-Hant"),
        ("I love old churches", "zh-Hant", "en"),  # the visitor switched language
        ("ok", "fr", None),  # not one of ours: ignored
    ],
)
def test_the_channels_language_decides_only_when_the_words_cannot(text, hint, language):
    assert detect_language(text, hint) == language


@pytest.mark.parametrize(
    "setting, tag",
    [("zh-Hant", "zh-Hant"), ("zh-HK", "zh-Hant"), ("zh_TW", "zh-Hant"), ("zh-MO", "zh-Hant"), ("zh-CN", "zh-Hans"),
     ("zh", "zh-Hans"), ("pt-BR", "pt"), ("pt-PT", "pt"), ("en-GB", "en"), ("fr", None), ("", None), (None, None)],
)  # fmt: skip
def test_channel_language_settings_map_to_our_tags(setting, tag):
    assert language_tag(setting) == tag
