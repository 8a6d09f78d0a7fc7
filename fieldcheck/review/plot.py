"""A small map-free plot of a visit: the place, the geotag with its accuracy circle, each photo's
EXIF position, and the distances between them. Pure: plain numbers in, drawing coordinates out;
the template draws the SVG (no map tiles, nothing sent to a map provider).

Positions are WGS-84 (lat, lon). They are projected onto a local plane (metres east and north of
the place, or of the geotag when there is no place), which is exact enough at the scale of a visit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fieldcheck.places.geo import geodesic_distance_m

LatLon = tuple[float, float]
SIZE = 320  # the drawing's width and height in SVG units
MARGIN = 36
EARTH_M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class Point:
    kind: str  # "place", "geotag" or "photo"
    label: str
    x: float
    y: float
    distance_m: float | None  # to the place (or to the geotag for the place itself)
    off: bool = False  # too far to draw to scale: shown on the edge, in its direction


@dataclass(frozen=True)
class Plot:
    points: tuple[Point, ...]
    accuracy_r: float | None  # the geotag's accuracy circle radius, in drawing units
    scale_m: float  # the length the scale bar stands for
    scale_px: float
    size: int = SIZE


def _nice(metres: float) -> float:
    """1, 2 or 5 times a power of ten, at most `metres`."""
    if metres <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(metres))
    for step in (5, 2, 1):
        if step * power <= metres:
            return step * power
    return power


def plot(place: LatLon | None, geotag: LatLon | None, accuracy_m: float | None,
         photos: list[tuple[str, LatLon]]) -> Plot | None:
    """The drawing, or None when there is nothing to place (no place, no geotag, no photo position)."""
    origin = place or geotag or (photos[0][1] if photos else None)
    if origin is None:
        return None
    cos_lat = math.cos(math.radians(origin[0]))

    def local(p: LatLon) -> tuple[float, float]:
        return ((p[1] - origin[1]) * EARTH_M_PER_DEG * cos_lat, (p[0] - origin[0]) * EARTH_M_PER_DEG)

    reference = place or geotag
    raw: list[tuple[str, str, tuple[float, float], float | None]] = []
    if place is not None:
        raw.append(("place", "", local(place), geodesic_distance_m(place, geotag) if geotag else None))
    if geotag is not None:
        raw.append(("geotag", "", local(geotag), geodesic_distance_m(geotag, place) if place else None))
    for label, position in photos:
        raw.append(("photo", label, local(position),
                    geodesic_distance_m(position, reference) if reference is not None else None))
    radius = accuracy_m or 0.0
    gx, gy = local(geotag) if geotag else (0.0, 0.0)
    # The place, the geotag and its accuracy set the scale; a photo far beyond them (another town,
    # another country) would shrink them to one dot, so it is drawn on the edge in its direction.
    core = [p[2] for p in raw if p[0] != "photo"] or [raw[0][2]]
    core_span = max([abs(x) for x, _y in core] + [abs(y) for _x, y in core] + [radius, 50.0])
    reach = max(5 * core_span, 1000.0)
    far = [p[0] == "photo" and math.hypot(*p[2]) > reach for p in raw]
    shown = [p[2] for p, is_far in zip(raw, far) if not is_far]
    xs = [x for x, _y in shown] + ([gx - radius, gx + radius] if geotag else [])
    ys = [y for _x, y in shown] + ([gy - radius, gy + radius] if geotag else [])
    span = max(max(xs) - min(xs), max(ys) - min(ys), 50.0)  # never zoom in closer than 50 m across
    unit = (SIZE - 2 * MARGIN) / span
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def draw(x: float, y: float) -> tuple[float, float]:
        return (round(SIZE / 2 + (x - cx) * unit, 1), round(SIZE / 2 - (y - cy) * unit, 1))

    def edge(x: float, y: float) -> tuple[float, float]:
        """The point where the direction (x, y) from the drawing's centre leaves the drawing, inset."""
        half = SIZE / 2 - MARGIN / 2
        scale = half / max(abs(x - cx), abs(y - cy))
        return (round(SIZE / 2 + (x - cx) * scale, 1), round(SIZE / 2 - (y - cy) * scale, 1))

    points = tuple(Point(kind, label, *(edge(*xy) if is_far else draw(*xy)), None if d is None else round(d, 1),
                         is_far) for (kind, label, xy, d), is_far in zip(raw, far))
    scale_m = _nice(span / 3)
    return Plot(points, round(radius * unit, 1) if geotag and accuracy_m else None, scale_m, round(scale_m * unit, 1))
