"""Values /metrics reads when Prometheus scrapes: the query cache's counts and the crowd feed's health."""

from __future__ import annotations

import math
from collections.abc import Callable

from redis.exceptions import RedisError

from guide.metrics import Collector, Sample
from recommender.crowd.coordinator import FeedCoordinator
from recommender.crowd.service import CrowdService
from recommender.encoder import CachedEncoder


def query_cache(encoder: CachedEncoder) -> Collector:
    """The encoder counts its own hits and misses; they are read, not copied."""

    async def collect() -> list[Sample]:
        return [Sample("query_embedding_cache_hits_total", "counter", encoder.hits),
                Sample("query_embedding_cache_misses_total", "counter", encoder.misses)]  # fmt: skip

    return collect


def crowd_health(service: CrowdService, open_ids: Callable[[], list[str]],
                 coordinator: FeedCoordinator | None) -> Collector:  # fmt: skip
    """Seconds since the feed last gave observations (+Inf before its first), and open sights read stale."""

    async def collect() -> list[Sample]:
        samples = []
        if coordinator is not None:
            last = coordinator.last_success
            age = math.inf if last is None else max(0.0, (coordinator.clock() - last).total_seconds())
            samples.append(Sample("crowd_feed_last_success_age_seconds", "gauge", age,
                                  (("source", coordinator.feed.source),)))  # fmt: skip
        try:
            readings = await service.all_now(open_ids())
        except RedisError:
            return samples  # the rest of the page still answers; the missing gauge says the state is unreadable
        samples.append(Sample("crowd_stale_sights", "gauge", sum(r.stale for r in readings)))
        return samples

    return collect
