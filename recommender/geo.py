"""Distances and travel times between places: geopy's geodesic on WGS84 for distances we
report, a planar approximation for the many walk and ride estimates made while ranking."""

from __future__ import annotations

import math

from geopy.distance import geodesic

WALK_KMH = 4.5
# Streets are not straight lines: Macau's old town lanes add about a third.
DETOUR = 1.3
RIDE_KMH = 22.0  # a taxi or bus across town, waiting included
WALK_LIMIT_M = 1500  # further than this a visitor rides


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return geodesic(a, b).meters


def planar_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance: within 0.1% of geodesic across a city, a hundred times faster
    (for scanning many places and estimating travel times)."""
    dy = (b[0] - a[0]) * 110_574
    dx = (b[1] - a[1]) * 111_320 * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(dx, dy)


def walk_minutes(a: tuple[float, float], b: tuple[float, float]) -> int:
    # Ranking estimates a walk for every candidate: the planar distance is as good at this
    # scale (the detour factor dwarfs its error) and ~100x cheaper than the geodesic.
    return math.ceil(planar_m(a, b) * DETOUR / (WALK_KMH * 1000 / 60))


def ride_minutes(a: tuple[float, float], b: tuple[float, float]) -> int:
    return math.ceil(planar_m(a, b) * DETOUR / (RIDE_KMH * 1000 / 60)) + 5


def travel(a: tuple[float, float], b: tuple[float, float]) -> tuple[str, int]:
    """How a visitor gets from ``a`` to ``b``: ``("walk", minutes)`` within the walking limit,
    else ``("ride", minutes)``."""
    if planar_m(a, b) <= WALK_LIMIT_M:
        return "walk", walk_minutes(a, b)
    return "ride", ride_minutes(a, b)


class PlaceGrid:
    """Places bucketed in cells of about 550 m: the nearest one without a full scan."""

    CELL = 0.005  # degrees: ~555 m of latitude, ~515 m of longitude at Macau

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], dict[str, tuple[float, float]]] = {}
        self._cell_of: dict[str, tuple[int, int]] = {}

    def cell(self, point: tuple[float, float]) -> tuple[int, int]:
        return int(math.floor(point[0] / self.CELL)), int(math.floor(point[1] / self.CELL))

    def add(self, key: str, point: tuple[float, float]) -> None:
        self.remove(key)
        cell = self.cell(point)
        self._cells.setdefault(cell, {})[key] = point
        self._cell_of[key] = cell

    def remove(self, key: str) -> None:
        cell = self._cell_of.pop(key, None)
        if cell is not None:
            self._cells[cell].pop(key, None)

    def _ring(self, centre: tuple[int, int], radius: int):
        for i in range(centre[0] - radius, centre[0] + radius + 1):
            for j in range(centre[1] - radius, centre[1] + radius + 1):
                if max(abs(i - centre[0]), abs(j - centre[1])) == radius:
                    yield from self._cells.get((i, j), {}).items()

    def nearest(self, point: tuple[float, float], max_rings: int = 40) -> str | None:
        """The closest place (rings of cells outward until one is found, then one ring more)."""
        centre, best = self.cell(point), None
        for radius in range(max_rings + 1):
            for key, where in self._ring(centre, radius):
                metres = planar_m(point, where)
                if best is None or metres < best[0]:
                    best = (metres, key)
            if best is not None and best[0] < radius * 500:
                break
        return best[1] if best else None
