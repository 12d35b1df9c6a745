import copy

import pytest

from knowledge.attractions import parse_attractions
from knowledge.checks import ValidationError
from knowledge.seed import load_attraction_rows


@pytest.fixture(scope="module")
def good_row():
    return load_attraction_rows()[0]


def errors_for(row, seed):
    with pytest.raises(ValidationError) as info:
        parse_attractions([row], seed.lexicon.interests)
    return {e.field: e.message for e in info.value.errors}


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda r: r["names"].pop("pt"), "names.pt"),
        (lambda r: r["names"].update({"fr": "Temple"}), "names.fr"),
        (lambda r: r["location"].update({"lat": 40.7}), "location.lat"),
        (lambda r: r["location"].update({"lon": "east"}), "location.lon"),
        (lambda r: r.update({"category": "castle"}), "category"),
        (lambda r: r.update({"tags": ["gambling"]}), "tags"),
        (lambda r: r["hours"].update({"open": ["18:00-09:00"]}), "hours"),
        (lambda r: r.update({"fee": {"adult_mop": -5}}), "fee.adult_mop"),
        (lambda r: r.update({"id": "Not An Id"}), "id"),
        (lambda r: r.update({"source": ""}), "source"),
    ],
)
def test_each_bad_field_gets_its_own_message(good_row, seed, change, field):
    row = copy.deepcopy(good_row)
    change(row)
    assert field in errors_for(row, seed)


def test_all_problems_reported_at_once_with_row_numbers(good_row, seed):
    bad = copy.deepcopy(good_row)
    bad["names"].pop("en")
    bad["visit_minutes"] = 0
    with pytest.raises(ValidationError) as info:
        parse_attractions([good_row, bad, copy.deepcopy(good_row)], seed.lexicon.interests)
    rows = {(e.row, e.field) for e in info.value.errors}
    assert {(2, "names.en"), (2, "visit_minutes"), (3, "id")} <= rows
