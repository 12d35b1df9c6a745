"""Filled reply templates read correctly in every language: no slot left open, lengths of time said
the way each language says them, Portuguese that agrees with any sight name, whole "did you mean" questions."""

from __future__ import annotations

import re
import string

import pytest
import yaml

from bot.actions.phrases import duration, phrase
from guide.settings import ROOT
from knowledge.languages import LANGUAGES

DOMAIN = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))

# Real values for every placeholder the templates use; a sight name that is feminine and plural in Portuguese.
SAMPLE = {
    "name": "As Ruínas de S. Paulo", "place": "Largo do Senado", "district": "Taipa", "level": "movimentado",
    "number": 3, "day": "amanhã", "time": "15:00", "opens": "09:00", "hours": "09:00-18:00", "weekday": "terça-feira",
    "minutes": 12, "stay": 30, "duration": "1,5 horas", "interest": "história e arquitetura", "what": "ver promoções",
    "value": "18:00", "amount": 22, "rank": 1, "names": "Largo do Lilau, Casa do Mandarim", "category": "igreja",
    "reason": "aberto até às 18:00", "title": "Dois pastéis de nata", "merchant": "Padaria", "fee": 5,
    "month": "março", "month_number": 3, "map": "https://example.org/map", "url": "https://example.org/pay",
    "reference": "A1B2", "wallets": "MPay e Alipay",
}  # fmt: skip


def templates(language: str):
    for name, variations in DOMAIN["responses"].items():
        for v in variations:
            if (v["condition"][0]["value"] if v.get("condition") else "en") == language and "text" in v:
                yield name, v["text"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_fills_without_an_open_slot(language):
    for name, text in templates(language):
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f}
        assert fields <= set(SAMPLE), (name, fields - set(SAMPLE))
        filled = text.format_map(SAMPLE)
        assert "{" not in filled and "}" not in filled and "None" not in filled, (name, filled)


@pytest.mark.parametrize(
    "minutes, expected",
    [
        (60, {"en": "1-hour", "pt": "1 hora", "zh-Hant": "1個鐘", "zh-Hans": "1小时"}),
        (90, {"en": "1.5-hour", "pt": "1,5 horas", "zh-Hant": "1個半鐘", "zh-Hans": "1个半小时"}),
        (30, {"en": "30-minute", "pt": "meia hora", "zh-Hant": "半個鐘", "zh-Hans": "半小时"}),
        (180, {"en": "3-hour", "pt": "3 horas", "zh-Hant": "3個鐘", "zh-Hans": "3小时"}),
        (100, {"en": "100-minute", "pt": "100 minutos", "zh-Hant": "100分鐘", "zh-Hans": "100分钟"}),
    ],
)
def test_lengths_of_time_are_said_as_each_language_says_them(minutes, expected):
    assert {lang: duration(DOMAIN, lang, minutes) for lang in LANGUAGES} == expected


def test_the_plan_intro_reads_whole():
    assert phrase(DOMAIN, "utter_plan_intro", "pt", duration=duration(DOMAIN, "pt", 60)) == "Um roteiro de 1 hora:"
    assert phrase(DOMAIN, "utter_plan_intro", "en", duration=duration(DOMAIN, "en", 90)) == "Here is a 1.5-hour route:"
    assert phrase(DOMAIN, "utter_plan_intro", "zh-Hant", duration=duration(DOMAIN, "zh-Hant", 30)) == "幫你排好半個鐘嘅路線："


def test_portuguese_never_makes_an_adjective_agree_with_a_sight_name():
    """"As Ruínas ... está fechado": a sight's name can be of any gender and number, so no template says
    "{name} está/é <adjective>"; it says "{name}: encerrado" or "Movimento em {name}: ..." instead."""
    predicate = re.compile(r"\{name\} (?:está|estão|é|são|fica|ficam) ")
    offenders = [(name, text) for name, text in templates("pt") if predicate.search(text)]
    assert offenders == []


def test_did_you_mean_asks_a_whole_question():
    """Quer + an infinitive ("Quer saber como lá chegar?"); 你係咪想 / 你是想 + a verb phrase."""
    for name in DOMAIN["responses"]:
        if not name.startswith("utter_intent_"):
            continue
        first_word = phrase(DOMAIN, name, "pt").split()[0]
        assert first_word.endswith(("ar", "er", "ir")), (name, first_word)
    assert phrase(DOMAIN, "utter_did_you_mean", "zh-Hant", what=phrase(DOMAIN, "utter_intent_faq", "zh-Hant")) == "你係咪想查旅遊實用資訊？"
    assert phrase(DOMAIN, "utter_did_you_mean", "zh-Hans", what=phrase(DOMAIN, "utter_intent_faq", "zh-Hans")) == "你是想查询旅游实用信息吗？"


@pytest.mark.parametrize("page", ["chat/chat.js", "pages/crowd.js"])
def test_pages_name_each_crowd_level_as_the_chat_says_it(page):
    """A sight "非常擁擠" in a chat reply is not "嚴重擠迫" on the card beside it (content review #30)."""
    script = (ROOT / "guide" / "static" / page).read_text(encoding="utf-8")
    found = re.findall(r'"(en|zh-Hant|zh-Hans|pt)": \{.*?(?:levels|labels): (\[[^\]]*\])', script, flags=re.S)
    assert {lang for lang, _ in found} == set(LANGUAGES)
    for lang, words in found:
        said = [phrase(DOMAIN, f"utter_crowd_level_{n}", lang) for n in range(1, 6)]
        assert yaml.safe_load(words) == said, lang
