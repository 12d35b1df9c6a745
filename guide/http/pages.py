"""Pages for people: the admin UI and the crowd page, their static files, and the headers every page carries."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from guide.keys import PAGE_POLICY
from guide.settings import Settings

routes = web.RouteTableDef()
STATIC = Path(__file__).resolve().parent.parent / "static"
# Said before the file is sent, so the page middleware knows a page when it sees one.
HTML_FILE = {"Cache-Control": "no-cache", "Content-Type": "text/html; charset=utf-8"}


@routes.get("/admin")
async def admin_page(request: web.Request) -> web.FileResponse:
    """The office's admin UI: one static page talking to the admin API with a token."""
    return web.FileResponse(STATIC / "admin" / "index.html", headers=HTML_FILE)


@routes.get("/crowd")
async def crowd_page(request: web.Request) -> web.FileResponse:
    """Every sight's crowd level now, for people (the data: /api/v1/crowd)."""
    return web.FileResponse(STATIC / "crowd.html", headers=HTML_FILE)


routes.static("/admin/static", STATIC / "admin", append_version=True)
routes.static("/pages/static", STATIC / "pages", append_version=True)


def content_security_policy(settings: Settings) -> str:
    """Pages run only our own scripts, talk only to us and the dialogue server, and are never framed."""
    dialogue = (settings.dialogue_public_url or settings.rasa_url).rstrip("/")
    sockets = [dialogue, dialogue.replace("https://", "wss://").replace("http://", "ws://")] if dialogue else []
    return "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
        f"connect-src 'self' {' '.join(sockets)}".strip(), "frame-ancestors 'none'", "base-uri 'none'",
        "object-src 'none'",
    ])  # fmt: skip


@web.middleware
async def page_headers(request: web.Request, handler) -> web.StreamResponse:
    """Every answer: no MIME sniffing; every page: the CSP above, no referrer, no framing."""
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if (response.content_type or "").startswith("text/html"):
        response.headers["Content-Security-Policy"] = request.app[PAGE_POLICY]
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response
