"""The Rasa project itself: valid for Rasa 3.6, wording in every language, words kept whole."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from bot.nlu.placenames import PlaceMatcher
from guide.ops.nlu_export import INTERESTS, PLACES, USERDICT, render_interests, render_places, render_userdict
from guide.settings import ROOT
from knowledge.languages import LANGUAGES

DOMAIN = yaml.safe_load((ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


def test_every_response_in_every_language():
    for name, variations in DOMAIN["responses"].items():
        conditioned = [v["condition"][0]["value"] for v in variations if v.get("condition")]
        assert sorted(conditioned) == sorted(set(LANGUAGES) - {"en"}), name
        assert sum(not v.get("condition") for v in variations) == 1, f"{name}: one English default"


def test_every_reason_the_recommender_gives_can_be_said():
    from bot.actions.recommend import SPOKEN_REASONS

    for key in SPOKEN_REASONS:
        names = [f"utter_reason_crowd_{level}" for level in range(1, 6)] if key == "crowd_level" else [f"utter_reason_{key}"]
        assert all(name in DOMAIN["responses"] for name in names), key


def test_userdict_matches_the_knowledge_base():
    assert USERDICT.read_text(encoding="utf-8") == render_userdict(ROOT / "data"), (
        "run `.venv/bin/macau-guide nlu-dictionary`"
    )


def test_place_names_match_the_knowledge_base():
    assert PLACES.read_text(encoding="utf-8") == render_places(ROOT / "data"), (
        "run `.venv/bin/macau-guide nlu-dictionary`"
    )


def test_interest_terms_match_the_knowledge_base():
    assert INTERESTS.read_text(encoding="utf-8") == render_interests(ROOT / "data"), (
        "run `.venv/bin/macau-guide nlu-dictionary`"
    )


@pytest.mark.parametrize("text, expected", [
    ("Is the Ruins of St. Paul's crowded now?", ["hc-15-ruins-st-pauls"]),
    ("how do I get to st pauls", ["hc-15-ruins-st-pauls"]),
    ("大三巴而家多唔多人", ["hc-15-ruins-st-pauls"]),
    ("议事亭前地现在人多吗", ["hs-04-senado-square"]),
    ("議事亭前地", ["hs-04-senado-square"]),
    ("As Ruínas de São Paulo estão cheias?", ["hc-15-ruins-st-pauls"]),
    ("as ruinas de sao paulo", ["hc-15-ruins-st-pauls"]),
    ("去威尼斯人同官也街", ["at-27-venetian", "at-18-rua-do-cunha"]),
    ("macau tower or the venetian", ["at-01-macau-tower", "at-27-venetian"]),
    ("I have a senadoria question", []),  # inside a word is not a name
    ("when does Lin Fung Temple open", ["at-37-lin-fong-temple"]),  # trained on, so it must be a sight
    ("como vou daqui para o Templo de Lin Fong?", ["at-37-lin-fong-temple"]),
    ("蓮峰廟幾點開門", ["at-37-lin-fong-temple"]),
    ("莲峰庙收门票吗", ["at-37-lin-fong-temple"]),
])
def test_every_name_in_every_language_resolves_to_one_sight(text, expected):
    assert [ident for _, _, ident in PlaceMatcher.load().find(text)] == expected


@pytest.mark.integration
def test_rasa_data_validate_is_clean():
    result = subprocess.run(
        [str(RASA), "data", "validate", "--fail-on-warnings", "--domain", "bot/domain.yml", "--data", "bot/data",
         "--config", "bot/config.yml"],
        cwd=ROOT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.mark.integration
def test_every_skill_story_is_predicted(tmp_path):
    """`rasa test core --fail-on-prediction-errors` over bot/tests/test_stories.yml."""
    result = subprocess.run(
        [str(RASA), "test", "core", "--stories", "bot/tests/test_stories.yml", "--model", "bot/models/current.tar.gz",
         "--fail-on-prediction-errors", "--out", str(tmp_path)],
        cwd=ROOT, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    failed = (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8") if (
        tmp_path / "failed_test_stories.yml").exists() else ""  # fmt: skip
    assert result.returncode == 0, failed[-3000:] + result.stdout[-2000:] + result.stderr[-2000:]


def test_every_faq_example_names_its_topic():
    """An example under a bare ``faq`` intent has no answer to pick: it must say faq/<topic>."""
    bare = [path.name for path in (ROOT / "bot" / "data").glob("*.yml")
            for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []) or []
            if block.get("intent") == "faq"]  # fmt: skip
    assert bare == []


def test_no_training_example_is_written_twice():
    """Ignoring case, spacing, "Wi-Fi"/"wifi" and end punctuation, each example is in the data once."""
    import re
    from collections import Counter

    def key(text: str) -> str:
        return re.sub(r"[\s\-?？!！.。,，]+", "", text.lower())

    examples = [line[2:].strip() for path in (ROOT / "bot" / "data").glob("nlu*.yml")
                for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []) or []
                for line in (block.get("examples") or "").splitlines() if line.startswith("- ")]  # fmt: skip
    twice = [text for text, n in Counter(key(e) for e in examples).items() if n > 1]
    assert twice == []
