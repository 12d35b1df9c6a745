"""The guide service: settings, the aiohttp app factory and the ``macau-guide`` CLI."""
