"""Plain-text replies (channels/plain.py is stdlib only, so it is tested here directly)."""

from __future__ import annotations

from channels.plain import NumberedReplies, card_text, numbered, split_text


def test_buttons_become_numbered_lines():
    buttons = [{"title": "Opening hours", "payload": "/ask_hours"}, {"title": "Directions", "payload": "/go"}]
    assert numbered("Temple", buttons, first=3) == "Temple\n3. Opening hours\n4. Directions"


def test_a_number_answers_the_options_offered_in_the_turn():
    replies = NumberedReplies()
    assert replies.offer("ana", ["/a", "/b"]) == 1
    assert replies.offer("ana", ["/c"]) == 3  # a second card of the same turn continues the count
    assert [replies.resolve("ana", t) for t in ("1", " 3. ", "３", "4", "0", "hi")] == ["/a", "/c", "/c", None, None, None]
    assert replies.resolve("bo", "1") is None
    replies.clear("ana")
    assert replies.resolve("ana", "1") is None


def test_options_expire():
    replies = NumberedReplies(ttl=0.0)
    replies.offer("ana", ["/a"])
    assert replies.resolve("ana", "1") is None


def test_card_gives_its_name_and_map_and_a_payment_nothing():
    assert card_text({"card": {"name": "A-Ma Temple", "map": "https://osm.example/x"}}) == "A-Ma Temple\nhttps://osm.example/x"
    assert card_text({"payment": {"checkout_url": "https://pay.example"}}) is None


def test_long_text_is_cut_at_line_ends_within_the_byte_limit():
    text = "\n".join(["澳門塔" * 10] * 10)  # 90 bytes a line
    pieces = split_text(text, 200)
    assert all(len(p.encode()) <= 200 for p in pieces)
    assert pieces[0] == "澳門塔" * 10 + "\n" + "澳門塔" * 10
    assert "\n".join(pieces) == text
    one_line = "澳門塔" * 30  # 270 bytes: cut between characters, never inside one
    assert "".join(split_text(one_line, 200)) == one_line
    assert split_text("a" * 450, 200, in_bytes=False) == ["a" * 200, "a" * 200, "a" * 50]
