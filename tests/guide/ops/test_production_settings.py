"""Settings alone switch the dialogue server to PostgreSQL and Redis, and nginx's config is valid."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from guide.ops import nginx, rasa_endpoints
from guide.settings import Settings, SettingsError


def test_embedded_defaults_keep_conversations_in_a_sqlite_file(tmp_path):
    settings = Settings(data_dir=tmp_path)
    rendered = rasa_endpoints.render(settings)
    assert rendered["action_endpoint"] == {"url": "${ACTION_ENDPOINT_URL}",
                                           "headers": {"X-Guide-Action-Token": "${ACTION_ENDPOINT_TOKEN}"}}
    assert rendered["tracker_store"] == {"type": rasa_endpoints.TRACKER_STORE, "dialect": "sqlite",
                                          "db": "${RASA_TRACKER_DB}"}
    assert "lock_store" not in rendered
    assert rasa_endpoints.environment(settings) == {"RASA_TRACKER_DB": str(tmp_path / "rasa-tracker.sqlite3")}


def test_production_urls_become_rasa_stores_with_secrets_left_out_of_the_file(tmp_path):
    settings = Settings(data_dir=tmp_path, tracker_store_url="postgresql://guide:s%40cret@db.internal:6432/talks",
                        lock_store_url="rediss://:lockpass@cache.internal:6380/2", dialogue_workers=2)  # fmt: skip
    rasa_endpoints.check(settings)
    path = rasa_endpoints.write(settings, tmp_path / "endpoints.yml")
    text = path.read_text()
    assert "s@cret" not in text and "lockpass" not in text
    written = yaml.safe_load(text)
    assert written["tracker_store"] == {"type": rasa_endpoints.TRACKER_STORE, "dialect": "postgresql", "url": "db.internal", "port": 6432,
                                        "db": "talks", "username": "guide", "login_db": "postgres",
                                        "password": "${RASA_TRACKER_PASSWORD}"}  # fmt: skip
    assert written["lock_store"] == {"type": "redis", "url": "cache.internal", "port": 6380, "db": 2,
                                     "key_prefix": "macauguide", "use_ssl": True,
                                     "password": "${RASA_LOCK_PASSWORD}"}  # fmt: skip
    assert rasa_endpoints.environment(settings) == {"RASA_TRACKER_PASSWORD": "s@cret", "RASA_LOCK_PASSWORD": "lockpass"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tracker_store_url": "mysql://h/db"}, "postgresql://"),
        ({"tracker_store_url": "postgresql://user:topsecret@h"}, "***"),  # no database; password not echoed
        ({"lock_store_url": "memcached://h"}, "redis://"),
        ({"lock_store_url": "redis://h/zero"}, "not a number"),
        ({"dialogue_workers": 2}, "GUIDE_LOCK_STORE_URL"),
        ({"dialogue_workers": 0}, "at least 1"),
    ],
)
def test_settings_that_would_lose_conversations_are_refused(tmp_path, overrides, message):
    with pytest.raises(SettingsError, match=message.replace("*", r"\*")) as caught:
        rasa_endpoints.check(Settings(data_dir=tmp_path, **overrides))
    assert "topsecret" not in str(caught.value)


def test_environment_variables_reach_the_new_settings():
    settings = Settings.from_env({"GUIDE_TRACKER_STORE_URL": "postgresql://p@h/d", "GUIDE_LOCK_STORE_URL": "redis://h",
                                  "GUIDE_DIALOGUE_WORKERS": "3"})  # fmt: skip
    assert (settings.tracker_url, settings.lock_store_url, settings.dialogue_workers) == ("postgresql://p@h/d",
                                                                                        "redis://h", 3)  # fmt: skip


def test_nginx_accepts_the_front_config(tmp_path):
    """Debian's nginx checks the config `make run-scaled` writes (nginx -t)."""
    conf = nginx.write(tmp_path, guide_port=18000, guide_ports=[18001, 18002], dialogue_port=15005,
                       dialogue_ports=[15006, 15007], error_log=tmp_path / "error.log")  # fmt: skip
    done = subprocess.run([nginx.binary(), "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = conf.read_text()
    assert text.count("server 127.0.0.1:18001") == 1 and text.count("server 127.0.0.1:15006") == 2
