"""The channel harness of tests/channels (the connectors in the dialogue server's Python, fake provider APIs)."""

from tests.channels.conftest import apis, channel_settings, harness, harness_port  # noqa: F401
