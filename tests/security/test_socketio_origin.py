"""A page of another site cannot open a web chat on our dialogue server (issue 17, item 2).

Rasa 3.6 builds its socket.io server with python-socketio's origin check turned off, and Rasa's
``--cors`` covers its HTTP routes, not the WebSocket: any site's page could open chats here,
each costing a model turn. Our socket.io channel now lets in a browser page only from the
guide's own origins (``GUIDE_CORS_ORIGINS``, or the guide's own address), rendered into the
dialogue server's credentials; a client without an Origin header (an app) is not a page and
is let in as before.
"""

from __future__ import annotations

import json
import subprocess

from guide.ops.rasa_credentials import render
from guide.ops.stack import RASA_PYTHON
from guide.settings import ROOT, Settings

SCRIPT = """
import asyncio, json, sys
from channels.webchat import CheckedSocketIOInput
channel = CheckedSocketIOInput.from_credentials(json.loads(sys.argv[1]))
async def on_new_message(message):
    pass
channel.blueprint(on_new_message)
connect = channel.sio.handlers["/"]["connect"]
async def main():
    answers = {}
    for origin in sys.argv[2:]:
        environ = {"HTTP_ORIGIN": origin} if origin != "-" else {}
        answers[origin] = await connect("sid-1", environ, None)
    print(json.dumps(answers))
asyncio.run(main())
"""


def connections(credentials: dict, *origins: str) -> dict[str, bool]:
    done = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT, json.dumps(credentials), *origins], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false"})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_only_the_guides_own_pages_open_a_web_chat():
    settings = Settings(host="127.0.0.1", port=8000)
    credentials = render(settings)["channels.webchat.CheckedSocketIOInput"]
    assert credentials["origins"] == ["http://127.0.0.1:8000", "http://localhost:8000"]
    answers = connections(credentials, "https://evil.example", "http://127.0.0.1:8000", "http://localhost:8000", "-")
    assert answers == {"https://evil.example": False, "http://127.0.0.1:8000": True, "http://localhost:8000": True,
                       "-": True}  # fmt: skip


def test_a_configured_public_site_is_the_one_let_in():
    settings = Settings(public_url="https://guide.example.org")
    credentials = render(settings)["channels.webchat.CheckedSocketIOInput"]
    answers = connections(credentials, "https://guide.example.org", "http://127.0.0.1:8000")
    assert answers == {"https://guide.example.org": True, "http://127.0.0.1:8000": False}
