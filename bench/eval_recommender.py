"""``make eval``: the recommender against crowd scenarios (simulated crowd snapshots x visitor
requests), checking properties a visitor would notice.

- relevance: share of top-3 suggestions that match the stated interest;
- crush rule: no level-5 sight suggested while an equally relevant (same interest) calmer sight,
  open on arrival, was left out;
- diversion rate: share of requests whose crowd-blind top 3 held a level 4-5 sight and whose
  crowd-aware top 3 holds fewer;
- alternatives of every level 4-5 sight: calmer, open, within a 1.5 km walk or a short ride;
- itineraries: every stop open for its whole visit, the plan within its time budget;
- profiles, kinds and kiosk targeting (``bench/eval_profiles.py``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from bench.eval_profiles import check_kinds, check_profiles, empty_report
from knowledge.hours import MACAU_TZ
from knowledge.seed import load_records, load_seed
from recommender.alternatives import RIDE_KM, WALK_KM, alternatives
from recommender.crowd.levels import Observation
from recommender.crowd.profiles import Profiles
from recommender.crowd.simulator import CrowdSimulator
from recommender.crowd.snapshot import CrowdSnapshot
from recommender.encoder import SentenceTransformerEncoder
from recommender.geo import distance_m
from recommender.items import catalogue
from recommender.itinerary import plan
from recommender.recommender import Recommender

RESULTS = Path(__file__).resolve().parent / "results"
DATA = Path(__file__).resolve().parents[1] / "data"
MOMENTS = {
    "weekday 10:00": datetime(2027, 3, 10, 10, 0, tzinfo=MACAU_TZ),
    "Saturday 16:30": datetime(2027, 3, 13, 16, 30, tzinfo=MACAU_TZ),
    "Golden Week 15:00": datetime(2027, 5, 3, 15, 0, tzinfo=MACAU_TZ),
    "weekday 20:00": datetime(2027, 3, 10, 20, 0, tzinfo=MACAU_TZ),
}
REQUESTS = [
    ("I love old churches", "en", "church"), ("show me Chinese temples", "en", "temple"),
    ("a museum for a rainy afternoon", "en", "museum"), ("UNESCO world heritage", "en", "unesco"),
    ("我想去寺廟", "zh-Hant", "temple"), ("有冇教堂推介", "zh-Hant", "church"), ("想睇古蹟", "zh-Hant", "history"),
    ("推荐几个博物馆", "zh-Hans", "museum"), ("哪里有好吃的", "zh-Hans", "food"), ("我想去海滩", "zh-Hans", "beach"),
    ("quero ver igrejas antigas", "pt", "church"), ("museus em Macau", "pt", "museum"),
    ("parques e jardins", "pt", "park"), ("best views of the city", "en", "views"),
    ("somewhere for the kids", "en", "family"), ("Macanese food and egg tarts", "en", "food"),
]  # fmt: skip
STARTS = {"Senado Square": (22.1935, 113.5398), "Taipa Village": (22.1535, 113.5570)}


def matches(attraction, interest: str) -> bool:
    return interest in attraction.tags or attraction.category == interest


def evaluate(recommender: Recommender | None = None) -> dict:
    seed = load_seed()
    live = [a for a in seed.attractions if a.is_operating]
    profiles = Profiles.load(DATA / "crowd_profiles.yaml", {a.id: a.category for a in seed.attractions})
    simulator = CrowdSimulator(profiles, seed=5)
    items = catalogue(seed.attractions, load_records("promotions"), load_records("merchants"), load_records("events"))
    kiosks = {k.id: (k.lat, k.lon) for k in load_records("kiosks")}
    recommender = recommender or Recommender(items, seed.lexicon, SentenceTransformerEncoder())
    report = {**empty_report(), "requests": 0, "relevant": 0, "shown": 0, "crush_violations": [], "had_crowded": 0, "diverted": 0,
              "alternatives_checked": 0, "alternative_violations": [], "itineraries": 0,
              "itinerary_violations": []}  # fmt: skip
    for moment_name, at in MOMENTS.items():
        latest = {a.id: Observation(a.id, simulator.observe(a.id, at).level, at, "sim") for a in live}
        crowd = CrowdSnapshot(profiles, latest, at)
        level = {a.id: int(crowd.level_at(a.id, at)) for a in live}
        check_profiles(recommender, at, crowd, report)
        check_kinds(recommender, at, crowd, kiosks, report)
        for text, lang, interest in REQUESTS:
            aware = recommender.recommend(text, lang, 3, at=at, crowd=crowd).items
            blind = recommender.recommend(text, lang, 3, at=at).items
            report["requests"] += 1
            report["shown"] += len(aware)
            report["relevant"] += sum(matches(r.item, interest) for r in aware)
            shown = {r.item.id for r in aware}
            for r in aware:
                if level[r.item.id] == 5 and matches(r.item, interest):
                    calmer = [a.id for a in live if a.id not in shown and matches(a, interest) and level[a.id] < 5
                              and a.open_at(at)]  # fmt: skip
                    if calmer:
                        report["crush_violations"].append((moment_name, text, r.item.id, calmer[:3]))
            crowded_blind = sum(level[r.item.id] >= 4 for r in blind)
            if crowded_blind:
                report["had_crowded"] += 1
                if sum(level[r.item.id] >= 4 for r in aware) < crowded_blind:
                    report["diverted"] += 1
        for sight in live:
            if level[sight.id] < 4:
                continue
            report["alternatives_checked"] += 1
            for item in alternatives(recommender, sight.id, crowd, 3).items:
                reasons = {r.key: r.value for r in item.reasons}
                far = distance_m((sight.lat, sight.lon), (item.item.lat, item.item.lon)) / 1000
                ok = reasons["crowd_level"] < level[sight.id] and (far <= WALK_KM or (far <= RIDE_KM
                                                                                      and "ride_minutes" in reasons))
                if not ok:
                    report["alternative_violations"].append((moment_name, sight.id, item.item.id))
        for start_name, origin in STARTS.items():
            for hours in (3, 6):
                route = plan(recommender, "history and culture", "en", origin, at, hours, crowd)
                report["itineraries"] += 1
                feasible = all(s.attraction.open_at(s.arrive) and s.attraction.open_at(s.leave - timedelta(minutes=1))
                               for s in route.stops) and (not route.stops or route.stops[-1].leave <= route.end)
                if not feasible:
                    report["itinerary_violations"].append((moment_name, start_name, hours))
    report["relevance"] = report["relevant"] / max(1, report["shown"])
    report["diversion_rate"] = report["diverted"] / max(1, report["had_crowded"])
    report["children_rate"] = report["children_family_friendly"] / max(1, report["children_shown"])
    return report


def main() -> None:
    r = evaluate()
    lines = [
        "# Recommender scenarios (simulated crowds x visitor requests)",
        "",
        f"{len(MOMENTS)} crowd snapshots x {len(REQUESTS)} requests in four languages.",
        "",
        "| property | result |",
        "|---|---|",
        f"| top-3 suggestions matching the stated interest | {r['relevance']:.1%} |",
        f"| level-5 sight suggested while a calmer one of the interest was open | {len(r['crush_violations'])} |",
        f"| diversion rate (crowd-blind top 3 had level 4-5; crowd-aware has fewer) | {r['diversion_rate']:.1%} "
        f"of {r['had_crowded']} requests |",
        f"| alternatives of level 4-5 sights: calmer and within a walk or short ride | "
        f"{r['alternatives_checked']} sights, {len(r['alternative_violations'])} violations |",
        f"| itineraries open for every visit and within budget | {r['itineraries'] - len(r['itinerary_violations'])}"
        f" / {r['itineraries']} |",
        f"| profiles: steep with limited mobility, paid on a zero budget, over 45 minutes, while a fitting sight "
        f"of the interest was left out | {len(r['profile_violations'])} of {r['profile_requests']} requests |",
        f"| with children: family-friendly share of the top 3 | {r['children_rate']:.1%} |",
        f"| deal requests answered only with promotions on offer | "
        f"{r['deal_requests'] - len(r['deal_violations'])} / {r['deal_requests']} |",
        f"| at a kiosk, a promotion aimed at that kiosk in the top 3 | "
        f"{r['kiosk_requests'] - len(r['kiosk_violations'])} / {r['kiosk_requests']} |",
        f"| \"tonight\": events suggested that run this evening | "
        f"{r['tonight_events'] - len(r['tonight_violations'])} / {r['tonight_events']} |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "recommender-scenarios.md").write_text(text, encoding="utf-8")
    (RESULTS / "recommender-scenarios.json").write_text(json.dumps(r, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
