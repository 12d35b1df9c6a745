"""The admin UI in Debian's Chromium (driven by Playwright) against a real guide service.

One guide service (a subprocess on a free port, its own data dir seeded from data/) serves the
whole browser suite; tests that change data use records no other test reads. Each test gets a
fresh browser context; its final page is saved as test-artifacts/screenshots/<test>.png.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from guide.settings import ROOT
from tests.conftest import ACTION_TOKEN
from tests.integration.conftest import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
START_TIMEOUT = 120


@dataclass
class Guide:
    url: str
    editor_token: str
    viewer_token: str
    feed_token: str
    log: Path

    def api(self, method: str, path: str, body: object = None, token: str | None = None,
            headers: dict | None = None, raw: bytes | None = None) -> tuple[int, dict, bytes]:  # fmt: skip
        """One admin API call with urllib: (status, headers, body bytes); errors do not raise."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(
            self.url + path, method=method, data=data,
            headers={"Authorization": f"Bearer {token or self.editor_token}", "Content-Type": "application/json",
                     **(headers or {})},
        )  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()


def _create_token(env: dict, role: str, name: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "guide.cli", "admin", "create-token", "--role", role, "--name", name],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"`macau-guide admin create-token --role {role}` failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip().splitlines()[-1].strip()


@pytest.fixture(scope="module")
def guide(tmp_path_factory) -> Iterator[Guide]:
    """A real guide service (`python -m guide.cli serve`) on a free port with an editor and a viewer token."""
    data_dir = tmp_path_factory.mktemp("guide-var")
    port = free_port()
    env = {**os.environ, "GUIDE_DATA_DIR": str(data_dir), "GUIDE_PORT": str(port), "GUIDE_LOG_LEVEL": "WARNING",
           "GUIDE_ACTION_TOKEN": ACTION_TOKEN}  # fmt: skip
    editor = _create_token(env, "editor", "ana")
    viewer = _create_token(env, "viewer", "vera")
    feed = _create_token(env, "feed", "mgto-feed")
    log = data_dir / "guide.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "guide.cli", "serve"],
            cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            tail = log.read_text(errors="replace")[-4000:]
            why = f"exited with {process.returncode}" if process.returncode is not None else "did not answer"
            pytest.fail(f"the guide service {why} within {START_TIMEOUT} s; log tail:\n{tail}")
        time.sleep(0.3)
    try:
        yield Guide(url, editor, viewer, feed, log)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture(scope="module")  # sync Playwright holds an event loop: release it before async tests
def browser():
    """Debian's Chromium; a missing binary fails the run (never a skip, never a download)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium); "
                    "the browser tests never download a browser")  # fmt: skip
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser, guide, request) -> Iterator[Callable[[], object]]:
    """Opens pages in fresh contexts (own sessionStorage); screenshots them at the end of the test."""
    contexts, pages = [], []

    def open_page():
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(f"{guide.url}/admin")
        contexts.append(context)
        pages.append(page)
        return page

    yield open_page
    keep_screenshots(request, pages)
    for context in contexts:
        context.close()


def keep_screenshots(request, pages: list) -> None:
    """Each page of a test as it ended, in test-artifacts/screenshots/<test>[-n].png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    for n, page in enumerate(pages, start=1):
        suffix = "" if n == 1 else f"-{n}"
        try:
            page.screenshot(path=str(SCREENSHOTS / f"{name}{suffix}.png"), full_page=True)
        except Exception as exc:  # a screenshot must not hide the test's own result
            print(f"screenshot of {name}{suffix} failed: {exc}")


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def snap(request) -> Callable[[object, str], None]:
    """Saves an extra, mid-test screenshot: snap(page, "import-errors") -> <test>-import-errors.png."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)

    def save(page, label: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)

    return save
