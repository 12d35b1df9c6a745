"""The payment sandbox on a real port, and the guide service on a real port paying through it."""

from __future__ import annotations

from dataclasses import dataclass, replace

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bench.common import free_port  # noqa: F401 - also used by other test modules
from guide.app import create_app
from guide.ops.stack import _demo_payments
from payments.sandbox.credentials import ensure_keys
from payments.sandbox.server import Sandbox


@dataclass
class Running:
    url: str
    app: web.Application


@pytest.fixture
def keys(tmp_path):
    return ensure_keys(tmp_path / "sandbox-keys")


@pytest.fixture
async def sandbox(keys):
    port = free_port()
    box = Sandbox(keys, f"http://127.0.0.1:{port}")
    server = TestServer(box.app(), host="127.0.0.1", port=port)
    await server.start_server()
    yield box
    await server.close()


@pytest.fixture
async def guide(tmp_path, sandbox, keys, fake_encoder):
    """The guide service with every provider on the sandbox, as `make run` wires it."""
    port = free_port()
    settings = replace(_demo_payments(_base(tmp_path, keys, port), sandbox.public_url))
    app = create_app(settings, encoder=fake_encoder)
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server()
    yield Running(f"http://127.0.0.1:{port}", app)
    await server.close()


def _base(tmp_path, keys, port):
    from guide.settings import Settings
    from tests.conftest import ACTION_TOKEN

    return Settings(data_dir=tmp_path / "var", port=port, public_url=f"http://127.0.0.1:{port}",
                    payment_sandbox_keys=str(keys.folder), action_token=ACTION_TOKEN)  # fmt: skip


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session
