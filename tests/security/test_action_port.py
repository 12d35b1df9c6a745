"""The action endpoint on a port of its own (GUIDE_ACTION_PORT), so a network policy can admit
only the dialogue server to it (issue 17).

A NetworkPolicy sees ports, not paths: while ``POST /webhook`` shares the port of the pages and
the public API, whatever may load a page may also knock on the action endpoint (its token is
then the only door). With the setting, the main port refuses the action endpoint and the action
port serves nothing else. The sockets are made as ``macau-guide serve`` makes them.
"""

from __future__ import annotations

from dataclasses import replace

import aiohttp
from aiohttp import web

from bench.common import free_port
from guide.app import create_app
from guide.cli import action_socket
from tests.conftest import ACTION_HEADERS
from tests.guide.test_webhook import action_call


async def test_only_the_action_port_serves_actions_and_it_serves_nothing_else(settings, fake_encoder):
    main, actions = free_port(), free_port()
    settings = replace(settings, port=main, action_port=actions)
    runner = web.AppRunner(create_app(settings, fake_encoder))
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", main).start()
        await web.SockSite(runner, action_socket(settings)).start()  # as `macau-guide serve` listens
        async with aiohttp.ClientSession() as http:

            async def status(method: str, port: int, path: str, **kwargs) -> int:
                async with http.request(method, f"http://127.0.0.1:{port}{path}", **kwargs) as response:
                    return response.status

            call = {"json": action_call("show me temples", "en"), "headers": ACTION_HEADERS}
            assert await status("POST", main, "/webhook", **call) == 404
            assert await status("GET", main, "/webhook/actions") == 404
            assert await status("POST", actions, "/webhook", **call) == 200
            assert await status("GET", actions, "/webhook/actions") == 200
            for path in ("/", "/api/v1/attractions", "/metrics", "/healthz", "/admin"):
                assert await status("GET", actions, path) == 404, path
                assert await status("GET", main, path) == 200, path
    finally:
        await runner.cleanup()


async def test_without_the_setting_one_port_serves_everything(aiohttp_client, settings, fake_encoder):
    assert settings.action_port == 0 and action_socket(settings) is None
    client = await aiohttp_client(create_app(settings, fake_encoder))
    response = await client.post("/webhook", json=action_call("show me temples", "en"), headers=ACTION_HEADERS)
    assert response.status == 200
