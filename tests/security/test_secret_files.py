"""Secret files are private from the moment they exist (issue 17).

``credentials.yml`` holds the Telegram token, Twilio's auth token and WeChat's secret; the kept
secrets sign checkout links and handoff codes. A file written with the process's umask (often
0644) and chmod-ed afterwards can be opened by another local user in between, and an open file
stays readable after the chmod. Here the umask is 0 and chmod does nothing, so the mode a file
has afterwards is the mode it was created with.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from guide.kiosk_registry import KioskRegistry
from guide.ops import rasa_credentials, rasa_endpoints
from guide.settings import Settings, kept_secret
from payments.sandbox.credentials import ensure_keys


@pytest.fixture
def no_umask_no_chmod(monkeypatch):
    """Files get exactly the mode they are created with, and keep it."""
    old = os.umask(0)
    monkeypatch.setattr(os, "chmod", lambda *a, **k: None)
    monkeypatch.setattr(Path, "chmod", lambda *a, **k: None)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def secret_settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "var", telegram_token="123456:ABCdefGHIjklMNOpqr",
                    telegram_webhook_url="https://guide.example/webhooks/telegram/webhook",
                    twilio_account_sid="AC" + "0" * 32, twilio_auth_token="twilio-auth-token-secret",
                    twilio_whatsapp_number="+85360000000",
                    twilio_webhook_url="https://guide.example/webhooks/whatsapp/webhook")  # fmt: skip


def written(settings: Settings, tmp_path: Path) -> dict[str, Path]:
    data = settings.data_dir
    kept_secret(settings, "payment-secret")
    registry = KioskRegistry(data / "kiosks.json")
    registry._write({"kiosks": {"k-airport": {"tokens": [], "location": {"lat": 22.1, "lon": 113.5}}}})
    registry.demo_token("k-airport", data / "kiosk-demo-token")
    ensure_keys(tmp_path / "sandbox-keys")
    return {
        "credentials.yml": rasa_credentials.write(settings, data / "credentials.yml"),
        "endpoints.yml": rasa_endpoints.write(settings, data / "endpoints.yml"),
        "payment-secret": data / "payment-secret",
        "kiosks.json": data / "kiosks.json",
        "kiosk-demo-token": data / "kiosk-demo-token",
        "merchant.pem": tmp_path / "sandbox-keys" / "merchant.pem",
        "apiv3.key": tmp_path / "sandbox-keys" / "apiv3.key",
    }


def test_secret_files_are_created_private(no_umask_no_chmod, secret_settings, tmp_path):
    files = written(secret_settings, tmp_path)
    assert "twilio-auth-token-secret" in files["credentials.yml"].read_text()
    assert {name: oct(mode(path)) for name, path in files.items()} == {name: "0o600" for name in files}
    assert oct(mode(tmp_path / "sandbox-keys" / "merchant.pub.pem")) != "0o600"  # public keys stay public


def test_a_world_readable_credentials_file_is_replaced_private(no_umask_no_chmod, secret_settings):
    """An older version left credentials.yml 0644: writing it again makes it 0600, not a 0644 with new secrets."""
    path = secret_settings.data_dir / "credentials.yml"
    path.parent.mkdir(parents=True)
    path.write_text("{}")
    assert mode(path) == 0o666  # created under umask 0 above
    rasa_credentials.write(secret_settings, path)
    assert mode(path) == 0o600
