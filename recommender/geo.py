"""Distances and walking times between places (geopy's geodesic on WGS84)."""

from __future__ import annotations

import math

from geopy.distance import geodesic

WALK_KMH = 4.5
# Streets are not straight lines: Macau's old town lanes add about a third.
DETOUR = 1.3
RIDE_KMH = 22.0  # a taxi or bus across town, waiting included


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return geodesic(a, b).meters


def walk_minutes(a: tuple[float, float], b: tuple[float, float]) -> int:
    return math.ceil(distance_m(a, b) * DETOUR / (WALK_KMH * 1000 / 60))


def ride_minutes(a: tuple[float, float], b: tuple[float, float]) -> int:
    return math.ceil(distance_m(a, b) * DETOUR / (RIDE_KMH * 1000 / 60)) + 5
