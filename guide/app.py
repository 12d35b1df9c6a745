"""The aiohttp application factory: ``create_app(settings)``, the guide service's composition root.

``create_app`` sets what needs no I/O (SETTINGS, CLOCK, PAGE_POLICY, METRICS, LIMITS) and adds the
route tables (guide/http/, in any order). Everything else is one cleanup context per service,
started in this order and stopped in the reverse one; each reads only what ``create_app`` or an
earlier context set (the keys are guide/keys.py's):

| context | reads | sets |
|---|---|---|
| ``close_limits`` (guide/limits.py) | LIMITS | (closes the limits' Redis connections) |
| ``knowledge_context`` | SETTINGS | STORE, LEXICON |
| ``recommender_context`` | SETTINGS, STORE, LEXICON, METRICS, CLOCK | RECOMMENDER |
| ``live_context`` | STORE, RECOMMENDER | (applies the office's edits to the index) |
| ``payments_context`` | SETTINGS, STORE | PAYMENTS |
| ``crowd_context`` | SETTINGS, STORE, RECOMMENDER, METRICS | CROWD |
| ``actions_context`` | RECOMMENDER, CROWD, PAYMENTS | EXECUTOR |
| ``chat_context`` | SETTINGS, STORE | CHAT |
| ``retention_context`` | SETTINGS, STORE | RETENTION |

The store tells its listeners of a change in the order they subscribed: the live index subscribes
before the crowd context's follower, which reads the sight the index has just applied.
tests/guide/test_app_contexts.py checks this table against the code.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone

import aiohttp
from aiohttp import web
from rasa_sdk.executor import ActionExecutor

from bot.actions import build_actions
from guide import gauges, retention
from guide.http import (
    admin,
    chat,
    crowd_levels,
    discover,
    itineraries,
    monitoring,
    openapi,
    pages,
    payment_orders,
    webhook,
)
from guide.http.chat_state import Chat, read_pages
from guide.http.errors import error_middleware
from guide.http.handoffs import Handoffs
from guide.http.pages import content_security_policy, page_headers
from guide.http.throttle import largest_body, limit_requests
from guide.keys import (
    CHAT,
    CLOCK,
    CROWD,
    EXECUTOR,
    LEXICON,
    LIMITS,
    METRICS,
    PAGE_POLICY,
    PAYMENTS,
    RECOMMENDER,
    RETENTION,
    SETTINGS,
    STORE,
)
from guide.kiosk_registry import KioskRegistry
from guide.limits import build_limits, close_limits
from guide.metrics import Metrics
from guide.payments import build_payments
from guide.retention import keep_forgetting
from guide.settings import Settings, kept_secret, kiosk_registry_path
from knowledge.kinds import all_kinds
from knowledge.lexicon import Lexicon
from knowledge.seed import load_lexicon
from knowledge.store import Change, KnowledgeStore
from recommender.clock import clock_from
from recommender.crowd.archive import ObservationArchive
from recommender.crowd.coordinator import FeedCoordinator
from recommender.crowd.feed import FeedMapping, HttpCrowdFeed
from recommender.crowd.keeper import LearnedForecasts
from recommender.crowd.profiles import Profiles
from recommender.crowd.recorder import HistoryRecorder, RecordedState
from recommender.crowd.service import CrowdService
from recommender.crowd.state import make_state
from recommender.encoder import Encoder, make_encoder
from recommender.items import catalogue
from recommender.live import LiveIndex
from recommender.recommender import Recommender, Timings
from recommender.signals import with_weights

log = logging.getLogger(__name__)

MAX_URL_BYTES = 64 * 1024


def open_store(settings: Settings, lexicon: Lexicon | None = None) -> KnowledgeStore:
    """The knowledge store, migrated to the current schema and seeded when empty."""
    lexicon = lexicon or load_lexicon(settings.seed_dir)
    store = KnowledgeStore(settings.knowledge_url, all_kinds(lexicon.interests))
    with store.exclusive("migrate and seed"):  # replicas may start together
        store.migrate()
        written = store.seed_if_empty(settings.seed_dir)
    if written:
        log.info("seeded the knowledge store: %s", ", ".join(f"{n} {kind}" for kind, n in written.items()))
    return store


def build_recommender(
    settings: Settings, store: KnowledgeStore, lexicon: Lexicon, encoder: Encoder | None = None,
    timings: Timings | None = None, clock: Callable[[], datetime] | None = None,
) -> Recommender:
    """Index every sight, promotion and event of the store (loaded from disk when unchanged)."""
    return Recommender(
        catalogue(store.load("attractions"), store.load("promotions"), store.load("merchants"), store.load("events")),
        lexicon,
        encoder or make_encoder(settings.encoder),
        index_kind=settings.index,
        signals=with_weights(settings.weights),
        index_dir=settings.data_dir / "index",
        timings=timings,
        clock=clock or clock_from(settings.clock_start),
    )


async def knowledge_context(app: web.Application) -> AsyncIterator[None]:
    """The knowledge store, migrated and seeded, and its lexicon (read once: the store's checks and the recommender)."""
    settings = app[SETTINGS]
    app[LEXICON] = load_lexicon(settings.seed_dir)
    app[STORE] = store = open_store(settings, app[LEXICON])
    yield
    store.close()


async def recommender_context(app: web.Application, encoder: Encoder | None = None) -> AsyncIterator[None]:
    """The recommender over every item of the store (``encoder`` replaces the configured one), saved at the end."""
    settings = app[SETTINGS]
    app[RECOMMENDER] = found = build_recommender(settings, app[STORE], app[LEXICON], encoder, app[METRICS], app[CLOCK])
    app[METRICS].add_collector(gauges.query_cache(found.encoder))
    # The catalogue lives as long as the process: keep the collector from re-scanning its
    # objects on every full collection (tens of ms at 100 k items, a p99 spike per request).
    gc.freeze()
    log.info("guide service ready: %d items indexed (%s)%s", len(found.index),
             ", ".join(f"{k} {v}" for k, v in found.index.structures().items()),
             ", loaded from disk" if found.loaded_from_disk else "")  # fmt: skip
    yield
    await asyncio.to_thread(found.save)  # the next start loads it instead of re-embedding


async def live_context(app: web.Application) -> AsyncIterator[None]:
    """The office's edits reach the index at once (from other replicas too, on PostgreSQL)."""
    store = app[STORE]
    live = LiveIndex(store, app[RECOMMENDER])
    store.subscribe(live.on_change)
    stop = asyncio.Event()
    listener = asyncio.create_task(live.listen(stop)) if store.is_postgres else None
    yield
    stop.set()
    if listener is not None:
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener


async def payments_context(app: web.Application) -> AsyncIterator[None]:
    """The payment flow over the providers these settings turn on."""
    app[PAYMENTS] = service = build_payments(app[SETTINGS], app[STORE])
    await service.start()
    yield
    await service.close()


async def crowd_context(app: web.Application) -> AsyncIterator[None]:
    """Crowd state and service, the history kept of it and the learned forecast fitted from that history; the feed
    coordinator when a feed URL is set."""
    settings = app[SETTINGS]
    recommender = app[RECOMMENDER]
    profiles = Profiles.load(settings.seed_dir / "crowd_profiles.yaml",
                             {a.id: a.category for a in recommender.attractions.values()})  # fmt: skip
    archive = ObservationArchive(app[STORE].engine)
    recorder = HistoryRecorder(archive, app[METRICS])  # every observation stored is kept as history
    state = RecordedState(make_state(settings.redis_url, settings.crowd_ttl_seconds), recorder)
    learned = LearnedForecasts(archive, settings.data_dir / "crowd-model.pickle", lambda: set(recommender.attractions),
                               recommender.clock, app[METRICS], min_days=settings.crowd_learned_min_days,
                               refit_hours=settings.crowd_refit_hours)  # fmt: skip
    app[CROWD] = CrowdService(state, profiles, timedelta(minutes=settings.crowd_max_age_minutes), recommender.clock,
                              learned)  # fmt: skip

    def follow(change: Change) -> None:  # a new or removed sight gets or loses its profile
        if change.kind == "attractions":
            attraction = recommender.get(change.id)
            profiles.set_category(change.id, attraction.category if attraction else None)

    app[STORE].subscribe(follow)
    stop = asyncio.Event()
    keepers = [asyncio.create_task(recorder.run(stop)), asyncio.create_task(learned.run(stop))]
    session, poller, coordinator = None, None, None
    if settings.crowd_feed_url:
        session = aiohttp.ClientSession()
        feed = HttpCrowdFeed(session, settings.crowd_feed_url, FeedMapping.from_overrides(settings.crowd_feed_fields),
                             settings.crowd_feed_timeout, source="feed")  # fmt: skip
        coordinator = FeedCoordinator(feed, state, lambda: set(recommender.attractions), app[METRICS],
                                      settings.crowd_feed_interval, recommender.clock)  # fmt: skip
        poller = asyncio.create_task(coordinator.run(stop))
    app[METRICS].add_collector(gauges.crowd_health(
        app[CROWD], lambda: sorted(i for i, a in recommender.attractions.items() if a.is_operating), coordinator))
    yield
    stop.set()
    if poller is not None:
        await poller
    await asyncio.gather(*keepers)  # the recorder writes what is still pending
    if session is not None:
        await session.close()
    await state.close()


async def actions_context(app: web.Application) -> AsyncIterator[None]:
    """The dialogue server's custom actions, run by POST /webhook."""
    executor = ActionExecutor()
    for action in build_actions(app[RECOMMENDER], app[CROWD].snapshot, app[PAYMENTS]):
        executor.register_action(action)
    app[EXECUTOR] = executor
    yield


async def chat_context(app: web.Application) -> AsyncIterator[None]:
    """The chat routes' state: the kiosk registry (kept in step with the office's kiosks), the handoff
    codes, a client for the dialogue server and the page templates."""
    settings, store = app[SETTINGS], app[STORE]
    registry = KioskRegistry(kiosk_registry_path(settings))
    await asyncio.to_thread(registry.sync, store.load("kiosks"))

    def follow(change) -> None:  # a kiosk added, moved or removed in the admin API
        if change.kind == "kiosks":
            registry.sync(store.load("kiosks"))

    store.subscribe(follow)
    # A secret made once and kept in the data dir (beside the payment secret).
    secret = kept_secret(settings, "handoff-secret")
    handoffs = Handoffs(store.engine, secret, timedelta(minutes=settings.handoff_minutes))
    state = Chat(settings, registry, handoffs, await asyncio.to_thread(read_pages))
    state.session = aiohttp.ClientSession()
    app[CHAT] = state
    yield
    await state.session.close()


async def retention_context(app: web.Application) -> AsyncIterator[None]:
    """Once an hour, conversations idle longer than the retention period go (kept when it is 0), and
    orders never paid go after GUIDE_UNPAID_ORDER_HOURS."""
    settings = app[SETTINGS]
    stop = asyncio.Event()
    task = asyncio.create_task(keep_forgetting(
        lambda: retention.tidy(settings, app[STORE].engine, datetime.now(timezone.utc)), stop))
    app[RETENTION] = task
    yield
    stop.set()
    await task


# Every route module's routes. In any order: no route's pattern matches another's paths (the admin
# API's kinds are spelled out), which tests/guide/test_route_order.py checks.
ROUTE_TABLES = (pages.routes, discover.routes, chat.routes, payment_orders.routes, admin.routes, openapi.routes,
                crowd_levels.routes, itineraries.routes, webhook.routes, monitoring.routes)  # fmt: skip


def create_app(settings: Settings, encoder: Encoder | None = None,
               clock: Callable[[], datetime] | None = None) -> web.Application:  # fmt: skip
    """The guide service. ``encoder`` replaces the configured one, ``clock`` the service's one clock (the
    wall clock, or GUIDE_CLOCK_START's; tests pass fakes): token expiry, crowds, "now" in answers."""
    app = web.Application(
        middlewares=[page_headers, error_middleware, webhook.action_port, limit_requests],
        client_max_size=largest_body(settings),  # each route's own cap: guide/http/throttle.py
        # Long URLs (a pasted 10 kB query) reach the handler and get a JSON error, not a bare 400.
        handler_args={"max_line_size": MAX_URL_BYTES, "max_field_size": MAX_URL_BYTES},
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock or clock_from(settings.clock_start)
    app[PAGE_POLICY] = content_security_policy(settings)
    app[METRICS] = Metrics()
    app[LIMITS] = build_limits(settings)
    retention.check(settings)

    # One cleanup context per service, in the order of the table in this module's docstring.
    recommender = functools.partial(recommender_context, encoder=encoder)
    for context in (close_limits, knowledge_context, recommender, live_context, payments_context, crowd_context,
                    actions_context, chat_context, retention_context):  # fmt: skip
        app.cleanup_ctx.append(context)
    for table in ROUTE_TABLES:
        app.add_routes(table)
    return app
