"""``macau-guide admin``: tokens with an expiry, and the listing that shows it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from guide.cli import CliError, main, token_expiry

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("given, after", [("90m", timedelta(minutes=90)), ("12h", timedelta(hours=12)),
                                          ("30d", timedelta(days=30)), ("8w", timedelta(weeks=8))])  # fmt: skip
def test_expires_in(given, after):
    assert token_expiry(given, None, NOW) == NOW + after


def test_expires_at_is_kept_in_utc():
    assert token_expiry(None, "2026-03-31T18:00+08:00", NOW) == datetime(2026, 3, 31, 10, 0, tzinfo=timezone.utc)
    assert token_expiry(None, "2026-03-31T10:00Z", NOW) == datetime(2026, 3, 31, 10, 0, tzinfo=timezone.utc)
    assert token_expiry(None, None, NOW) is None


@pytest.mark.parametrize("expires_in, expires_at, says", [
    ("30", None, "e.g. 90m"), ("0d", None, "e.g. 90m"), ("-1d", None, "e.g. 90m"),
    (None, "next tuesday", "not an ISO 8601 time"), (None, "2026-03-31T18:00", "no UTC offset"),
    (None, "2026-02-01T00:00Z", "already past"),
])  # fmt: skip
def test_bad_expiry_says_what_to_give(expires_in, expires_at, says):
    with pytest.raises(CliError, match=says):
        token_expiry(expires_in, expires_at, NOW)


def test_create_then_list_shows_the_expiry(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GUIDE_DATA_DIR", str(tmp_path / "var"))
    before = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    assert main(["admin", "create-token", "--role", "editor", "--name", "ana", "--expires-in", "30d"]) == 0
    after = datetime.now(timezone.utc)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("editor token for ana, expires ")
    token_id = printed[-1].split("_")[1]
    assert main(["admin", "create-token", "--role", "viewer", "--name", "desk"]) == 0
    assert "never expires" in capsys.readouterr().out
    assert main(["admin", "list-tokens"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()[1:]}
    _, role, _created, expires, state, name = rows[token_id]
    assert (role, state, name) == ("editor", "active", "ana")
    assert before + timedelta(days=30) <= datetime.fromisoformat(expires) <= after + timedelta(days=30)
    assert main(["admin", "create-token", "--role", "viewer", "--expires-at", "2020-01-01T00:00Z"]) == 1
    assert "already past" in capsys.readouterr().err


def test_import_history_refuses_unknown_ids_by_name_then_imports_once(monkeypatch, tmp_path, capsys):
    import gzip

    monkeypatch.setenv("GUIDE_DATA_DIR", str(tmp_path / "var"))
    path = tmp_path / "counts.csv.gz"
    path.write_bytes(gzip.compress(b"target_id,observed_at,level\n"
                                   b"hc-15-ruins-st-pauls,2026-11-02T10:00:00+08:00,5\n"
                                   b"atlantis,2026-11-02T10:00:00+08:00,2\n"))  # fmt: skip
    assert main(["crowd", "import-history", str(path)]) == 1
    assert "not sights of the guide: atlantis" in capsys.readouterr().err
    assert main(["crowd", "import-history", str(path), "--allow-unknown"]) == 0
    assert capsys.readouterr().out.startswith("imported 1 rows, 1 new")
    assert main(["crowd", "import-history", str(path), "--allow-unknown"]) == 0
    assert capsys.readouterr().out.startswith("imported 1 rows, 0 new (1 already kept)")
