"""What machines ask the service: ``GET /healthz`` (liveness and the index's size) and ``GET /metrics``."""

from __future__ import annotations

from aiohttp import web

from guide.keys import METRICS, RECOMMENDER

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    recommender = request.app[RECOMMENDER]
    return web.json_response(
        {"status": "ok", "attractions": len(recommender.attractions), "indexed": len(recommender.index),
         "index": recommender.index.structures()}
    )


@routes.get("/metrics")
async def metrics_endpoint(request: web.Request) -> web.Response:
    return web.Response(text=await request.app[METRICS].scrape(), content_type="text/plain", charset="utf-8",
                        headers={"X-Content-Type-Options": "nosniff"})  # fmt: skip
