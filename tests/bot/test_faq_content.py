"""The FAQ answers: every topic the NLU is trained on is answered, in every language, with the same facts."""

from __future__ import annotations

import re
from collections import defaultdict

import yaml

from guide.settings import ROOT
from knowledge.languages import LANGUAGES

DOMAIN = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
FILE_LANGUAGE = {"en": "en", "pt": "pt", "zh_hant": "zh-Hant", "zh_hans": "zh-Hans"}


def faq_answers() -> dict[str, dict[str, str]]:
    """topic -> language -> answer text."""
    answers: dict[str, dict[str, str]] = {}
    for name, variations in DOMAIN["responses"].items():
        if name.startswith("utter_faq/"):
            answers[name.removeprefix("utter_faq/")] = {
                (v["condition"][0]["value"] if v.get("condition") else "en"): v["text"] for v in variations
            }
    return answers


def faq_examples() -> dict[str, dict[str, list[str]]]:
    """topic -> language -> training examples, the language read from the file name (nlu_*_<lang>.yml)."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in (ROOT / "bot" / "data").glob("nlu_*.yml"):
        language = next((lang for suffix, lang in FILE_LANGUAGE.items() if path.stem.endswith("_" + suffix)), None)
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
            intent = block.get("intent", "")
            if language and intent.startswith("faq/"):
                lines = [line[2:].strip() for line in block["examples"].splitlines() if line.startswith("- ")]
                found[intent.removeprefix("faq/")][language] += lines
    return found


def numbers(text: str) -> set[str]:
    """The figures an answer states (fares, phone numbers, hours), with ":00" minutes dropped."""
    return {re.sub(r":00$", "", n) for n in re.findall(r"\d+(?::\d+)?", text)}


def test_every_faq_topic_has_an_answer_and_examples_in_every_language():
    answers, examples = faq_answers(), faq_examples()
    assert set(answers) == set(examples)
    for topic in answers:
        for language in LANGUAGES:
            assert len(examples[topic][language]) >= 8, (topic, language)


def test_public_transport_and_typhoon_questions_are_answered():
    answers = faq_answers()
    assert "MOP6" in answers["transport"]["en"] and "Macau Pass" in answers["transport"]["en"]
    assert "8" in answers["weather"]["en"] and "SMG" in answers["weather"]["en"]


def test_each_faq_answer_states_the_same_figures_in_every_language():
    for topic, by_language in faq_answers().items():
        english = numbers(by_language["en"])
        for language in LANGUAGES:
            assert numbers(by_language[language]) == english, (topic, language, by_language[language])


def test_no_faq_answer_mixes_cantonese_with_written_chinese():
    """The zh-Hant voice is colloquial Cantonese: no written-Chinese particles beside 係/嘅/唔."""
    written = re.compile(r"[的是在]|不是|沒有|他們|什麼|這|那裡")
    for topic, by_language in faq_answers().items():
        text = by_language["zh-Hant"]
        for place in ("的士", "仁伯爵綜合醫院", "鏡湖醫院", "治安警察局", "旅遊局", "外交部駐澳門特派員公署", "中國旅行社"):
            text = text.replace(place, "")
        assert not written.findall(text), (topic, written.findall(text))
