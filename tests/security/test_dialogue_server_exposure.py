"""`make run`'s dialogue server is reached from this machine only, and only the guide's pages may call it
from a browser (issue 17).

It used to listen on every interface (Rasa's default 0.0.0.0) with ``--cors "*"``: anyone on the
network could chat with it, and any web page a visitor (or the developer) had open could call it
and read the answers. The command line is read here the way Rasa 3.6 parses it
(``rasa/cli/arguments/run.py``: ``-i/--interface`` defaults to 0.0.0.0, ``--cors`` takes any
number of origins).
"""

from __future__ import annotations

import argparse

import pytest

from guide.ops import nginx, scaled, stack
from guide.ops.stack import dialogue_process
from guide.settings import Settings


def rasa_options(argv: list[str]) -> argparse.Namespace:
    """``--interface`` and ``--cors`` as Rasa 3.6's ``rasa run`` reads them from our command line."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("-i", "--interface", default="0.0.0.0")
    parser.add_argument("--cors", nargs="*")
    options, _ = parser.parse_known_args(argv[argv.index("run") + 1 :])
    return options


def test_make_runs_dialogue_server_listens_on_this_machine_and_admits_only_the_guides_pages(tmp_path):
    settings = Settings(data_dir=tmp_path / "var", port=8123)
    process = dialogue_process("dialogue server", settings, 5005, "http://127.0.0.1:8123/webhook", tmp_path / "log")
    options = rasa_options(process.argv)
    assert options.interface == "127.0.0.1"
    # the pages of the guide (the kiosk page calls the kiosk channel), as the browser names their origin
    assert options.cors == ["http://127.0.0.1:8123", "http://localhost:8123"]
    assert process.ready_url.startswith("http://127.0.0.1:5005/")


def test_the_interface_and_the_origins_are_settings(tmp_path):
    settings = Settings.from_env({"GUIDE_DATA_DIR": str(tmp_path / "var"), "GUIDE_DIALOGUE_HOST": "0.0.0.0",
                                  "GUIDE_CORS_ORIGINS": "https://guide.example.org/, https://kiosk.example.org"})  # fmt: skip
    options = rasa_options(dialogue_process("d", settings, 5005, "http://x/webhook", tmp_path / "log").argv)
    assert options.interface == "0.0.0.0"
    assert options.cors == ["https://guide.example.org", "https://kiosk.example.org"]
    # a public URL is the guide's origin when no origins are given
    public = Settings(data_dir=tmp_path / "var", public_url="https://guide.example.org/")
    assert rasa_options(dialogue_process("d", public, 5005, "http://x/webhook", tmp_path / "log").argv).cors == [
        "https://guide.example.org"
    ]


def test_the_scaled_stack_admits_the_origin_browsers_see_there_nginxs_front(tmp_path, monkeypatch):
    for name in ("RASA_PYTHON", "MODEL"):  # no Rasa venv or model is needed to build the command lines
        (tmp_path / name).touch()
        monkeypatch.setattr(stack, name, tmp_path / name)
    monkeypatch.setattr(nginx, "binary", lambda: "/usr/sbin/nginx")
    settings = Settings(data_dir=tmp_path / "var", port=8200, database_url=f"sqlite:///{tmp_path}/k.sqlite3")
    built = scaled.scaled_stack(settings, rasa_port=5100, simulator_port=8301, sandbox_port=8401,
                                replica_ports=([8201, 8202], [5101, 5102]))  # fmt: skip
    dialogues = [p for p in built.processes if p.name.startswith("dialogue server")]
    assert len(dialogues) == 2
    for process in dialogues:
        options = rasa_options(process.argv)
        assert options.interface == "127.0.0.1"  # nginx, on this machine, is the way in
        assert options.cors == [built.guide_url, built.guide_url.replace("127.0.0.1", "localhost")]
    assert built.guide_url == "http://127.0.0.1:8200"  # nginx's guide front, where the pages come from


@pytest.mark.parametrize("value", ["", "*"])
def test_an_origin_list_is_what_was_asked(tmp_path, value):
    """"*" must be asked for by name; nothing set means the guide's own origin, never every origin."""
    settings = Settings(data_dir=tmp_path / "var", cors_origins=value)
    assert ("*" in settings.dialogue_cors) is (value == "*")
