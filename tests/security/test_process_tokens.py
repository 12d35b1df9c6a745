"""Tokens stay off process command lines (issue 17).

Every user of the machine can read every process's command line (``ps``, ``/proc/<pid>/cmdline``);
only the process's own user can read its environment. Rasa 3.6 takes its HTTP API token only as
``--auth-token``, so the dialogue server (``channels/dialogue_server.py``, which starts Rasa's CLI
in-process) is given it as ``RASA_TOKEN`` and adds the option to the arguments Rasa parses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.dialogue_server import with_token
from guide.ops.stack import dialogue_process
from guide.settings import Settings

RASA_TOKEN = "rasa-api-token-0123456789"
SECRETS = {"rasa_token": RASA_TOKEN, "action_token": "action-token-0123456789",
           "telegram_token": "123456:ABCdefGHIjklMNOpqr", "twilio_auth_token": "twilio-auth-token-secret",
           "payment_secret": "payment-secret-0123456789"}  # fmt: skip


def test_the_dialogue_server_command_line_holds_no_token(tmp_path):
    settings = Settings(data_dir=tmp_path / "var", telegram_webhook_url="https://guide.example/webhooks/telegram/webhook",
                        twilio_account_sid="AC" + "0" * 32, twilio_whatsapp_number="+85360000000",
                        twilio_webhook_url="https://guide.example/webhooks/whatsapp/webhook", **SECRETS)  # fmt: skip
    process = dialogue_process("dialogue server", settings, 5005, "http://127.0.0.1:8000/webhook", tmp_path / "log")
    command_line = " ".join(process.argv)
    assert [name for name, secret in SECRETS.items() if secret in command_line] == []
    assert "--auth-token" not in process.argv and "--enable-api" in process.argv
    assert process.env["RASA_TOKEN"] == RASA_TOKEN
    # what Rasa's CLI then parses inside the process
    assert with_token(["rasa", *process.argv[3:]], process.env)[-2:] == ["--auth-token", RASA_TOKEN]


def test_the_dockerfile_command_holds_no_token():
    dockerfile = (Path(__file__).parents[2] / "deploy" / "dialogue.Dockerfile").read_text()
    command = dockerfile[dockerfile.index("\nCMD "):]
    assert "--auth-token" not in command and "--enable-api" in command


@pytest.mark.parametrize("argv", [["rasa", "run", "--enable-api", "--auth-token", RASA_TOKEN],
                                  ["rasa", "run", f"--auth-token={RASA_TOKEN}"]])  # fmt: skip
def test_a_token_on_the_command_line_is_refused(argv):
    with pytest.raises(SystemExit, match="RASA_TOKEN"):
        with_token(argv, {})


def test_an_open_api_is_refused():
    with pytest.raises(SystemExit, match="RASA_TOKEN"):
        with_token(["rasa", "run", "--enable-api"], {"RASA_TOKEN": ""})
    assert with_token(["rasa", "run"], {}) == ["rasa", "run"]  # no API, no token needed
    assert with_token(["rasa", "train"], {"RASA_TOKEN": "x"}) == ["rasa", "train"]
