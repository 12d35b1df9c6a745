"""Scenario checks of who asks and what kind they ask for, run by ``make eval`` beside the
crowd scenarios: profiles (limited mobility, budget, children, time left), kinds (promotions,
events) and kiosk targeting. Each check counts requests and collects violations."""

from __future__ import annotations

from datetime import datetime

from recommender.crowd.snapshot import CrowdSnapshot
from recommender.recommender import Recommender
from recommender.signals import Profile, visit_cost_minutes

SENADO_SQUARE = (22.1935, 113.5398)
INTERESTS = [("historic sights", "history"), ("views over the city", "views"), ("museums", "museum"),
             ("parks and gardens", "park"), ("temples", "temple")]  # fmt: skip
DEAL_REQUESTS = [("egg tart deals", "en"), ("cheap food offers", "en"), ("有冇優惠", "zh-Hant"), ("美食优惠", "zh-Hans"),
                 ("descontos em comida", "pt")]  # fmt: skip


def _matches(item, interest: str) -> bool:
    return interest in item.tags or item.category == interest


def _left_out(recommender: Recommender, shown: set[str], interest: str, at: datetime, fits) -> list[str]:
    """Open sights of the interest that ``fits`` but were not shown."""
    return [a.id for a in recommender.attractions.values()
            if a.is_operating and a.id not in shown and a.open_at(at) and _matches(recommender.items[a.id], interest)
            and fits(recommender.items[a.id])]  # fmt: skip


def check_profiles(recommender: Recommender, at: datetime, crowd: CrowdSnapshot, report: dict) -> None:
    for text, interest in INTERESTS:
        # Limited mobility: no steep sight while a step-free one of the interest was left out.
        items = recommender.recommend(text, "en", 3, at=at, crowd=crowd, profile=Profile(limited_mobility=True)).items
        report["profile_requests"] += 1
        shown = {i.item.id for i in items}
        if any(i.item.access == "steep" for i in items):
            better = _left_out(recommender, shown, interest, at, lambda it: it.access == "step_free")
            if better:
                report["profile_violations"].append(("limited_mobility", str(at), text, better[:3]))
        # Budget 0: no paid sight while a free one of the interest was left out.
        items = recommender.recommend(text, "en", 3, at=at, crowd=crowd, profile=Profile(budget_mop=0)).items
        report["profile_requests"] += 1
        shown = {i.item.id for i in items}
        if any((i.item.price_mop or 0) > 0 for i in items):
            better = _left_out(recommender, shown, interest, at, lambda it: it.price_mop == 0)
            if better:
                report["profile_violations"].append(("budget_0", str(at), text, better[:3]))
        # Forty-five minutes from Senado Square: every suggestion fits, when anything does.
        items = recommender.recommend(text, "en", 3, at=at, crowd=crowd, origin=SENADO_SQUARE,
                                      profile=Profile(time_minutes=45)).items  # fmt: skip
        report["profile_requests"] += 1
        candidates = [recommender.candidate(it, 0.0, at, None, SENADO_SQUARE) for it in recommender.items.values()
                      if it.kind == "attraction" and _matches(it, interest) and it.open_at(at)]  # fmt: skip
        fitting = sum(visit_cost_minutes(c) <= 45 for c in candidates)
        over = [i.item.id for i in items
                if visit_cost_minutes(recommender.candidate(i.item, 0, at, None, SENADO_SQUARE)) > 45]  # fmt: skip
        if over and fitting >= len(items):
            report["profile_violations"].append(("time_45", str(at), text, over))
    # Children: share of family-friendly suggestions for an open request.
    items = recommender.recommend("what can we do today with the kids", "en", 3, at=at, crowd=crowd).items
    report["children_shown"] += len(items)
    report["children_family_friendly"] += sum(i.item.family_friendly for i in items)


def check_kinds(recommender: Recommender, at: datetime, crowd: CrowdSnapshot, kiosks: dict, report: dict) -> None:
    for text, lang in DEAL_REQUESTS:
        items = recommender.recommend(text, lang, 3, at=at, crowd=crowd).items
        report["deal_requests"] += 1
        bad = [i.item.id for i in items if i.item.kind != "promotion" or not i.item.on_offer(at)]
        if bad or not items:
            report["deal_violations"].append((str(at), text, bad))
    for kiosk_id, place in kiosks.items():
        aimed = [i for i in recommender.items.values() if i.kind == "promotion" and kiosk_id in i.kiosks
                 and i.open_at(recommender.candidate(i, 0.0, at, None, place).arrival)]  # usable on arrival
        if not aimed:
            continue
        items = recommender.recommend("deals", "en", 3, at=at, crowd=crowd, origin=place, kiosk_id=kiosk_id).items
        report["kiosk_requests"] += 1
        if not any(kiosk_id in i.item.kiosks for i in items):
            report["kiosk_violations"].append((str(at), kiosk_id, [i.item.id for i in items]))
    evening = recommender.recommend("something to do tonight", "en", 5, at=at, crowd=crowd)
    running = any(i.open_at(evening.at) for i in recommender.items.values() if i.kind == "event")
    for rec in evening.items:
        if rec.item.kind == "event":
            report["tonight_events"] += 1
            if running and not rec.item.open_at(evening.at):
                report["tonight_violations"].append((str(at), rec.item.id))


def empty_report() -> dict:
    return {"profile_requests": 0, "profile_violations": [], "children_shown": 0, "children_family_friendly": 0,
            "deal_requests": 0, "deal_violations": [], "kiosk_requests": 0, "kiosk_violations": [],
            "tonight_events": 0, "tonight_violations": []}  # fmt: skip
