"""Content checks on the seed: places are where their names say, and every language states the same offer.

These catch the classes of error the content review found (a kiosk 6 km away in the sea, a paid offer
whose weight differed between languages), not just the rows it found."""

from __future__ import annotations

import math
import re
from collections import Counter

import pytest

from knowledge.languages import LANGUAGES
from knowledge.seed import load_records

# Where the places the kiosks stand at are: the district(s) whose sights must be the kiosk's nearest.
# The airport and Taipa ferry terminal stand on Taipa's reclaimed east side, between Taipa and Cotai sights.
KIOSK_PLACE_DISTRICTS = {
    "k-airport-arrivals": {"taipa", "cotai"},
    "k-taipa-ferry": {"taipa", "cotai"},
    "k-outer-harbour-ferry": {"peninsula"},
    "k-border-gate": {"peninsula"},
    "k-hzmb-port": {"peninsula"},  # the port island off the north-east of the peninsula, not by the airport
}


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), good to a metre at Macau's scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def kiosks():
    return load_records("kiosks")


def test_a_kiosk_at_a_sight_stands_at_that_sight(seed, kiosks):
    by_id = {a.id: a for a in seed.attractions}
    for k in kiosks:
        if k.attraction_id:
            sight = by_id[k.attraction_id]
            assert metres(k.lat, k.lon, sight.lat, sight.lon) <= 150, k.id


def test_every_other_kiosk_stands_in_the_part_of_macau_its_place_is_in(seed, kiosks):
    for k in kiosks:
        if k.attraction_id:
            continue
        assert k.id in KIOSK_PLACE_DISTRICTS, f"{k.id}: say which district its place is in"
        nearest = min(seed.attractions, key=lambda a: metres(k.lat, k.lon, a.lat, a.lon))
        assert nearest.district in KIOSK_PLACE_DISTRICTS[k.id], (k.id, nearest.id)
        assert metres(k.lat, k.lon, nearest.lat, nearest.lon) <= 3_500, (k.id, nearest.id)


# --- one offer, the same numbers in every language --------------------------------------------------

_ZH_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_QUANTITIES = [
    # (kind, pattern, value from the match)
    ("mop", re.compile(r"MOP\s?(\d+(?:[.,]\d+)?)"), lambda m: m.group(1).replace(",", ".")),
    ("mop", re.compile(r"(\d+(?:[.,]\d+)?)\s?(?:patacas|澳門元|澳门元|澳門幣|澳门币)"), lambda m: m.group(1).replace(",", ".")),
    ("percent", re.compile(r"(\d+)\s?%"), lambda m: m.group(1)),
    # 九折 = 10% off, 八五折 = 15% off
    ("percent", re.compile(r"([一二三四五六七八九])([一二三四五六七八九])?折"),
     lambda m: str(100 - 10 * _ZH_DIGITS[m.group(1)] - (_ZH_DIGITS[m.group(2)] if m.group(2) else 0))),
    ("percent", re.compile(r"半價|半价"), lambda m: "50"),
    ("grams", re.compile(r"(\d+)\s?(?:g|gramas|grams|克)(?![a-zà-ú])"), lambda m: m.group(1)),
    ("grams", re.compile(r"(\d+(?:[.,]\d+)?)\s?(?:kg|公斤|千克|quilos?)"), lambda m: str(round(float(m.group(1).replace(",", ".")) * 1000))),
    ("pounds", re.compile(r"磅|\bpounds?\b|\blbs?\b|\blibras?\b"), lambda m: "?"),
    ("ml", re.compile(r"(\d+)\s?(?:ml|毫升)"), lambda m: m.group(1)),
    ("clock", re.compile(r"(\d{1,2}):(\d{2})"), lambda m: f"{int(m.group(1))}:{m.group(2)}"),
]


def quantities(text: str) -> Counter:
    """The amounts a text states: prices, discounts, weights, volumes and clock times."""
    found: Counter = Counter()
    for kind, pattern, value in _QUANTITIES:
        for m in pattern.finditer(text):
            found[(kind, value(m))] += 1
    return found


@pytest.mark.parametrize(
    "text, expected",
    [
        ("250 g of pork jerky for MOP 120", {("grams", "250"), ("mop", "120")}),
        ("豬肉乾半磅連杏仁餅小包一份，合共 MOP 120。", {("pounds", "?"), ("mop", "120")}),
        ("早鳥晚餐八五折", {("percent", "15")}),
        ("15% de desconto das 14:30 às 17:30", {("percent", "15"), ("clock", "14:30"), ("clock", "17:30")}),
    ],
)
def test_quantities_are_read_in_every_language(text, expected):
    assert set(quantities(text)) == expected


@pytest.mark.parametrize("field", ["title", "text"])
def test_each_promotion_states_the_same_amounts_in_every_language(field):
    for p in load_records("promotions"):
        texts = getattr(p, field)
        english = {k for k in quantities(texts["en"])}
        for language in LANGUAGES:
            assert {k for k in quantities(texts[language])} == english, (p.id, field, language, texts[language])


def test_each_promotion_text_states_its_price_or_discount():
    for p in load_records("promotions"):
        for language in LANGUAGES:
            found = quantities(p.text[language])
            if p.price_mop is not None:
                assert ("mop", f"{p.price_mop:g}") in found, (p.id, language)
            if p.discount_percent is not None:
                assert ("percent", f"{p.discount_percent:g}") in found, (p.id, language)


def test_a_weekly_closing_day_the_review_confirmed_is_in_the_data(seed):
    theatre = next(a for a in seed.attractions if a.id == "hc-06-dom-pedro-v")
    assert "tue" in theatre.hours.closed_days  # wh.mo: the theatre is closed on Tuesdays


# Hong Kong and Cantonese usages a mainland reader of Simplified Chinese would not write.
HK_ONLY_IN_SIMPLIFIED = ("耍太极", "伊利沙伯", "抵港大堂")


def test_simplified_chinese_uses_mainland_words(seed, kiosks):
    texts = [a.description["zh-Hans"] for a in seed.attractions] + [k.names["zh-Hans"] for k in kiosks]
    for text in texts:
        assert not [w for w in HK_ONLY_IN_SIMPLIFIED if w in text], text
        assert "笨猪跳" not in text or "蹦极" in text, text  # the mainland word first
