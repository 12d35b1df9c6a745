"""``macau-guide crowd import-history FILE``: an office's past counts into the crowd history.

The file is the backtest's (``history.read_history``: ``target_id, observed_at`` and ``headcount``
or ``level``, gzip or plain). Headcounts become levels per sight, by the quantiles of that sight's
rows in the file (the backtest's levels) or by its capacity in the crowd profiles. Rows are kept
per sight and hour, so importing the same file again adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from recommender.crowd.archive import HistoryRow, ObservationArchive
from recommender.crowd.history import History, read_history
from recommender.crowd.levels import Level, levels_by_thresholds, quantile_thresholds

LEVEL_METHODS = ("quantiles", "capacity")
SHOWN_UNKNOWN = 20


class HistoryImportError(ValueError):
    """A file that cannot be imported as it is; the message says what to do."""


@dataclass(frozen=True)
class Imported:
    rows: int  # rows of the file imported (unknown sights' left out)
    new: int  # of which not kept before
    unknown: tuple[str, ...]  # sights of the file left out (--allow-unknown)


def levels(history: History, method: str, level_for: Callable[[str, float], Level] | None = None) -> np.ndarray:
    """Each row's level: as given, or from its headcount by ``method``."""
    if history.kind == "level":
        return history.value.astype(np.int64)
    out = np.zeros(len(history), np.int64)
    for p, target in enumerate(history.targets):
        mine = history.place == p
        if method == "quantiles":
            out[mine] = levels_by_thresholds(history.value[mine], quantile_thresholds(history.value[mine]))
        elif level_for is not None:
            out[mine] = [int(level_for(target, v)) for v in history.value[mine]]
        else:
            raise HistoryImportError("levels by capacity need the crowd profiles")
    return out


def import_history(archive: ObservationArchive, path: str | Path, known: set[str], *, allow_unknown: bool = False,
                   method: str = "quantiles", level_for: Callable[[str, float], Level] | None = None,
                   source: str = "import") -> Imported:  # fmt: skip
    """Keep every row of ``path`` whose sight is known; HistoryImportError names unknown sights unless allowed."""
    if method not in LEVEL_METHODS:
        raise HistoryImportError(f"--levels {method!r}: use {' or '.join(LEVEL_METHODS)}")
    history = read_history(path)
    unknown = tuple(sorted(set(history.targets) - known))
    if unknown and not allow_unknown:
        shown = ", ".join(unknown[:SHOWN_UNKNOWN]) + (f" and {len(unknown) - SHOWN_UNKNOWN} more"
                                                       if len(unknown) > SHOWN_UNKNOWN else "")  # fmt: skip
        raise HistoryImportError(f"{path}: {len(unknown)} target ids are not sights of the guide: {shown}. Use the "
                                 "sights' ids (GET /api/v1/attractions), or --allow-unknown to leave those rows out; "
                                 "nothing was imported")  # fmt: skip
    level = levels(history, method, level_for)
    keep = np.isin(history.place, [p for p, t in enumerate(history.targets) if t in known])
    headcounts = history.value if history.kind == "headcount" else None
    rows = [
        HistoryRow(history.targets[int(p)], datetime.fromtimestamp(int(h) * 3600, timezone.utc), int(v),
                   None if headcounts is None else int(round(headcounts[i])), source)
        for i, p, h, v in zip(np.flatnonzero(keep), history.place[keep], history.hour_utc[keep], level[keep])
    ]  # fmt: skip
    return Imported(len(rows), archive.add(rows), unknown)
