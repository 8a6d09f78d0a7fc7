"""Coordinates: datum conversion (GCJ-02, BD-09 → WGS-84), distances, validation.

Browsers report WGS-84, while places copied from Amap or Tencent are GCJ-02
and from Baidu BD-09, each 100–500 m off. Everything is converted to WGS-84
before measuring. All functions take and return (lat, lon), in that order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

from geopy.distance import geodesic

CRS_CODES = ("wgs84", "gcj02", "bd09")

# Constants of the published GCJ-02 obfuscation: the Krasovsky 1940 ellipsoid.
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
# BD-09 is a further published polar-coordinate perturbation of GCJ-02.
_BD_X_PI = math.pi * 3000.0 / 180.0

# Inversions iterate until the step is below ~1 µm on the ground.
_INVERSE_TOLERANCE_DEG = 1e-11
_INVERSE_MAX_STEPS = 50


def out_of_china(lat: float, lon: float) -> bool:
    """True outside the rectangle where GCJ-02 applies (there GCJ-02 equals WGS-84)."""
    # The customary bounding box used by the reference implementations; it is
    # generous (it includes neighbours) but any point in China is inside.
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _lat_shift(x: float, y: float) -> float:
    shift = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    shift += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    shift += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    shift += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return shift


def _lon_shift(x: float, y: float) -> float:
    shift = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    shift += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    shift += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    shift += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return shift


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Apply the published GCJ-02 offset to a WGS-84 point."""
    if out_of_china(lat, lon):
        return (lat, lon)
    # The offsets are computed in metres on the Krasovsky ellipsoid, then
    # turned into degrees with the meridian and parallel radii at that latitude.
    d_lat = _lat_shift(lon - 105.0, lat - 35.0)
    d_lon = _lon_shift(lon - 105.0, lat - 35.0)
    rad_lat = math.radians(lat)
    w = 1.0 - _KRASOVSKY_EE * math.sin(rad_lat) ** 2
    sqrt_w = math.sqrt(w)
    meridian_radius = _KRASOVSKY_A * (1.0 - _KRASOVSKY_EE) / (w * sqrt_w)
    parallel_radius = _KRASOVSKY_A / sqrt_w * math.cos(rad_lat)
    return (lat + math.degrees(d_lat / meridian_radius), lon + math.degrees(d_lon / parallel_radius))


def _invert(
    forward: Callable[[float, float], tuple[float, float]], lat: float, lon: float
) -> tuple[float, float]:
    """Find p with forward(p) = (lat, lon) by fixed-point iteration.

    The offsets change slowly across space, so subtracting the residual
    converges geometrically (a few steps to sub-millimetre).
    """
    guess_lat, guess_lon = lat, lon
    for _ in range(_INVERSE_MAX_STEPS):
        got_lat, got_lon = forward(guess_lat, guess_lon)
        err_lat, err_lon = got_lat - lat, got_lon - lon
        guess_lat -= err_lat
        guess_lon -= err_lon
        if abs(err_lat) < _INVERSE_TOLERANCE_DEG and abs(err_lon) < _INVERSE_TOLERANCE_DEG:
            break
    return (guess_lat, guess_lon)


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Convert a GCJ-02 point (Amap, Tencent) to WGS-84 by inverting the offset."""
    if out_of_china(lat, lon):
        return (lat, lon)
    return _invert(wgs84_to_gcj02, lat, lon)


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """Apply Baidu's published BD-09 perturbation to a GCJ-02 point."""
    radius = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _BD_X_PI)
    angle = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _BD_X_PI)
    return (radius * math.sin(angle) + 0.006, radius * math.cos(angle) + 0.0065)


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Convert a BD-09 point to GCJ-02 by inverting the perturbation."""
    return _invert(gcj02_to_bd09, lat, lon)


def wgs84_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """Convert a WGS-84 point to BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))


def bd09_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Convert a BD-09 point (Baidu) to WGS-84 (via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


def to_wgs84(lat: float, lon: float, crs: str) -> tuple[float, float]:
    """Convert a point recorded in ``crs`` ("wgs84", "gcj02" or "bd09") to WGS-84."""
    if crs == "wgs84":
        return (lat, lon)
    if crs == "gcj02":
        return gcj02_to_wgs84(lat, lon)
    if crs == "bd09":
        return bd09_to_wgs84(lat, lon)
    raise ValueError(f"unknown coordinate datum {crs!r}; expected one of {', '.join(CRS_CODES)}")


def geodesic_distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance in metres between two WGS-84 (lat, lon) points on the ellipsoid."""
    return float(geodesic(a, b).meters)


class CoordinateError(ValueError):
    """A latitude or longitude that cannot be used; ``code`` says why, ``axis`` which."""

    def __init__(self, code: str, axis: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.axis = axis


def parse_coordinate(value: object, axis: Literal["lat", "lon"]) -> float:
    """Parse one latitude or longitude from a number or string; raise CoordinateError."""
    # bool is an int subclass; True as a latitude is a bug upstream, not 1°.
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise CoordinateError("not_a_number", axis, f"{axis} is not a number: {value!r}")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        raise CoordinateError("not_a_number", axis, f"{axis} is not a number: {value!r}") from None
    if not math.isfinite(number):
        raise CoordinateError("not_a_number", axis, f"{axis} is not a finite number: {value!r}")
    limit = 90.0 if axis == "lat" else 180.0
    if not -limit <= number <= limit:
        code = "lat_range" if axis == "lat" else "lon_range"
        raise CoordinateError(code, axis, f"{axis} {number} is outside [-{limit:g}, {limit:g}]")
    return number


def validate_lat_lon(lat: object, lon: object) -> tuple[float, float]:
    """Return (lat, lon) as floats, or raise CoordinateError with code
    "not_a_number", "lat_range" or "lon_range"."""
    return (parse_coordinate(lat, "lat"), parse_coordinate(lon, "lon"))
