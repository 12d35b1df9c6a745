"""Rasa connectors that run inside the dialogue server (kiosk, WeChat, ...), and the web fronts."""
