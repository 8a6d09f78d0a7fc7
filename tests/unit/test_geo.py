"""Tests for datum conversion, distances and coordinate validation."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldcheck.places.geo import (
    CoordinateError,
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geodesic_distance_m,
    to_wgs84,
    validate_lat_lon,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

TIANANMEN = (39.915, 116.404)

# Published pairs for (lat 39.915, lon 116.404), from the widely used open
# source coordtransform library's README/test (github.com/wandergis/coordtransform).
PUBLISHED_WGS_TO_GCJ = (39.91640428150164, 116.41024449916938)
PUBLISHED_GCJ_TO_BD = (39.92133699351021, 116.41036949371029)
# That library inverts in one approximate step; our iterative inverse must
# land within a few centimetres of it.
PUBLISHED_GCJ_TO_WGS_APPROX = (39.91359571849836, 116.39775550083061)
PUBLISHED_BD_TO_GCJ_APPROX = (39.90865673957631, 116.39762729119315)


def test_published_forward_pairs() -> None:
    assert wgs84_to_gcj02(*TIANANMEN) == pytest.approx(PUBLISHED_WGS_TO_GCJ, abs=1e-9)
    assert gcj02_to_bd09(*TIANANMEN) == pytest.approx(PUBLISHED_GCJ_TO_BD, abs=1e-9)


def test_published_inverse_pairs_within_half_a_metre() -> None:
    assert geodesic_distance_m(gcj02_to_wgs84(*TIANANMEN), PUBLISHED_GCJ_TO_WGS_APPROX) < 0.5
    assert geodesic_distance_m(bd09_to_gcj02(*TIANANMEN), PUBLISHED_BD_TO_GCJ_APPROX) < 0.5


def test_gcj02_offset_is_hundreds_of_metres() -> None:
    offset = geodesic_distance_m(TIANANMEN, wgs84_to_gcj02(*TIANANMEN))
    assert 100 < offset < 1000
    bd_offset = geodesic_distance_m(TIANANMEN, wgs84_to_bd09(*TIANANMEN))
    assert 500 < bd_offset < 2000


china = st.tuples(st.floats(18.0, 53.0), st.floats(74.0, 134.0))


@settings(max_examples=300)
@given(point=china)
def test_gcj02_round_trip_within_half_a_metre(point: tuple[float, float]) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(*point))
    assert geodesic_distance_m(point, back) < 0.5
    # The iteration actually gets far closer than the requirement.
    assert geodesic_distance_m(point, back) < 0.001


@settings(max_examples=300)
@given(point=china)
def test_bd09_round_trip_within_half_a_metre(point: tuple[float, float]) -> None:
    assert geodesic_distance_m(point, bd09_to_wgs84(*wgs84_to_bd09(*point))) < 0.5


@pytest.mark.parametrize("point", [(48.8584, 2.2945), (-33.8568, 151.2153), (40.6892, -74.0445), (60.0, 100.0)])
def test_outside_china_gcj02_is_wgs84(point: tuple[float, float]) -> None:
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point
    assert to_wgs84(*point, "gcj02") == point


def test_to_wgs84_dispatch() -> None:
    gcj = wgs84_to_gcj02(*TIANANMEN)
    bd = wgs84_to_bd09(*TIANANMEN)
    assert to_wgs84(*TIANANMEN, "wgs84") == TIANANMEN
    assert geodesic_distance_m(to_wgs84(*gcj, "gcj02"), TIANANMEN) < 0.01
    assert geodesic_distance_m(to_wgs84(*bd, "bd09"), TIANANMEN) < 0.01
    for bad in ("WGS-84", "", "epsg:4326", "bd09mc"):
        with pytest.raises(ValueError):
            to_wgs84(*TIANANMEN, bad)


def test_geodesic_distance() -> None:
    # One degree of longitude on the WGS-84 equator: 2π·6378137/360 m.
    assert geodesic_distance_m((0.0, 0.0), (0.0, 1.0)) == pytest.approx(2 * math.pi * 6378137 / 360, abs=1e-3)
    assert geodesic_distance_m(TIANANMEN, TIANANMEN) == 0.0


# ------------------------------------------------------------ validation


def test_validate_accepts_numbers_and_strings() -> None:
    assert validate_lat_lon(39.915, 116.404) == (39.915, 116.404)
    assert validate_lat_lon(" 39.915 ", "116.404") == (39.915, 116.404)
    assert validate_lat_lon(-90, 180) == (-90.0, 180.0)
    assert validate_lat_lon("90", "-180") == (90.0, -180.0)


@pytest.mark.parametrize(
    ("lat", "lon", "code", "axis"),
    [
        (90.0001, 0, "lat_range", "lat"),
        ("-91", 0, "lat_range", "lat"),
        (0, 180.5, "lon_range", "lon"),
        (0, "-200", "lon_range", "lon"),
        (float("nan"), 0, "not_a_number", "lat"),
        (0, "nan", "not_a_number", "lon"),
        (float("inf"), 0, "not_a_number", "lat"),
        ("-inf", 0, "not_a_number", "lat"),
        ("", 0, "not_a_number", "lat"),
        ("39,9", 0, "not_a_number", "lat"),
        ("north", 0, "not_a_number", "lat"),
        (None, 0, "not_a_number", "lat"),
        (True, 0, "not_a_number", "lat"),
        (0, "1e999", "not_a_number", "lon"),
    ],
)
def test_validate_rejects(lat: object, lon: object, code: str, axis: str) -> None:
    with pytest.raises(CoordinateError) as info:
        validate_lat_lon(lat, lon)
    assert info.value.code == code
    assert info.value.axis == axis
    assert isinstance(info.value, ValueError)
