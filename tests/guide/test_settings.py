import re
from dataclasses import fields
from pathlib import Path

import pytest

from guide.settings import Settings, SettingsError

README = Path(__file__).resolve().parents[2] / "README.md"


def test_environment_is_read_with_prefix():
    settings = Settings.from_env({"GUIDE_PORT": "9001", "GUIDE_WEIGHTS": '{"interest": 0.9}', "OTHER": "x"})
    assert settings.port == 9001
    assert settings.weights == {"interest": 0.9}


def test_bad_value_names_the_variable():
    with pytest.raises(SettingsError, match="GUIDE_PORT"):
        Settings.from_env({"GUIDE_PORT": "eighty"})


def test_every_setting_is_documented_in_the_readme():
    text = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"`(GUIDE_[A-Z0-9_]+)`", text))
    assert {f"GUIDE_{f.name.upper()}" for f in fields(Settings)} <= documented
