"""`make load` reads the tracker store back: its audit must call lost and duplicated turns right."""

from bench.load import Load, Turn, audit


def load(*turns: tuple[str, bool]) -> Load:
    run = Load("v")
    run.turns = [Turn("v-1", text, 10.0, ok) for text, ok in turns]
    return run


def test_an_answered_turn_missing_from_the_store_is_lost():
    result = audit(load(("hello", True), ("I love old churches", True)), {"v-1": ["hello"]})
    assert (result["lost"], result["duplicated"], result["examples"]) == (1, 0, ["lost: v-1 'I love old churches'"])


def test_a_failed_turn_is_not_lost_even_when_the_same_words_were_answered_later():
    """The script repeats: the first "hello" failed unstored, the second was answered and stored."""
    result = audit(load(("hello", False), ("thanks", True), ("hello", True)), {"v-1": ["thanks", "hello"]})
    assert (result["lost"], result["duplicated"], result["stored_unanswered"]) == (0, 0, 0)


def test_a_turn_stored_twice_is_duplicated_and_a_failed_but_stored_one_is_noted():
    twice = audit(load(("hello", True),), {"v-1": ["hello", "hello"]})
    assert (twice["lost"], twice["duplicated"]) == (0, 1)
    failed_but_kept = audit(load(("hello", False),), {"v-1": ["hello"]})
    assert (failed_but_kept["lost"], failed_but_kept["duplicated"], failed_but_kept["stored_unanswered"]) == (0, 0, 1)
    assert audit(load(("hello", True),), {})["conversations_stored"] == 0
