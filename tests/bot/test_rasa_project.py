"""The Rasa project itself: valid for Rasa 3.6, wording in every language, words kept whole."""

from __future__ import annotations

import os
import subprocess

import pytest
import yaml

from guide.nlu_export import USERDICT, render_userdict
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
