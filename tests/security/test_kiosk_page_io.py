"""The kiosk page and its "continue on my phone" call never wait on the disk on the event loop (issue 17).

One event loop serves every visitor: a handler that reads a file (or the SQLite knowledge base)
on it stops every other request until the disk answers. The page templates are read once at
start; the knowledge base and the kiosk registry are read in worker threads. The tests make the
storage slow, or unreadable, while a kiosk asks, and check that other visitors are still served.
"""

from __future__ import annotations

import asyncio
import builtins
import io
import json
import pathlib
import threading

import pytest

from guide.keys import CHAT, STORE
from guide.kiosk_registry import KioskRegistry
from guide.settings import kiosk_registry_path

KIOSK = "k-airport-arrivals"
SESSION = "abcdefgh1234abcdefgh1234abcdefgh"


class SlowStorage:
    """Wraps a read so that it blocks (like a stalled disk) until the test lets it go."""

    def __init__(self, read):
        self.read = read
        self.entered, self.released, self.finished = threading.Event(), threading.Event(), threading.Event()

    def __call__(self, *args):
        self.entered.set()
        self.released.wait(10)  # a safety net: the test releases it long before, unless the loop is stuck here
        self.finished.set()
        return self.read(*args)


async def slow_request_leaves_others_served(client, slow: SlowStorage, request) -> None:
    pending = asyncio.ensure_future(request())
    # Wait (in a thread, so a blocked loop cannot be mistaken for progress) until the read has begun.
    assert await asyncio.to_thread(slow.entered.wait, 10)
    other = await client.get("/healthz")  # another visitor, while the kiosk's read is stuck
    assert other.status == 200
    assert not slow.finished.is_set()  # served while the kiosk's read was still stuck: nobody else waited on it
    slow.released.set()
    response = await pending
    assert response.status in (200, 201), await response.text()


async def test_a_slow_knowledge_base_holds_up_only_the_kiosk_page(client, monkeypatch):
    store = client.app[STORE]
    slow = SlowStorage(store.list)
    monkeypatch.setattr(store, "list", slow)  # the SQLite file (or PostgreSQL) the kiosk is looked up in
    await slow_request_leaves_others_served(client, slow, lambda: client.get(f"/kiosk/{KIOSK}"))


async def test_a_slow_registry_file_holds_up_only_the_handoff(client, settings, monkeypatch):
    token = KioskRegistry(kiosk_registry_path(settings)).issue_known(KIOSK)
    registry = client.app[CHAT].registry
    slow = SlowStorage(registry._read)
    monkeypatch.setattr(registry, "_read", slow)  # the registry file, re-read on every check
    await slow_request_leaves_others_served(client, slow, lambda: client.post(
        "/api/v1/handoff", json={"session": SESSION}, headers={"Authorization": f"Bearer {token}"}))


@pytest.fixture
def unreadable_files(monkeypatch):
    """From here on, any attempt to open a file in this process fails as a dead disk would."""

    def dead_disk(*args, **kwargs):
        raise OSError(5, "Input/output error (the test's dead disk)")

    for owner, name in ((builtins, "open"), (io, "open"), (pathlib.Path, "open"), (pathlib.Path, "read_text"),
                        (pathlib.Path, "read_bytes")):  # fmt: skip
        monkeypatch.setattr(owner, name, dead_disk)


async def test_the_pages_are_served_from_memory(client, unreadable_files):
    response = await client.get(f"/kiosk/{KIOSK}")
    assert response.status == 200
    config = json.loads((await response.text()).split('id="config">')[1].split("</script>")[0])
    assert (config["mode"], config["kiosk_id"]) == ("kiosk", KIOSK)
    response = await client.get("/")
    assert response.status == 200 and 'role="log"' in await response.text()
