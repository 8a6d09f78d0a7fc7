"""Evidence flags with hand-computed figures: each flag raised just past its limit, not at it.

Distances are laid out along the equator, where the geodesic is the equatorial arc:
one degree of longitude is exactly a·π/180 = 6378137 · π/180 = 111319.49079327357 m on WGS-84.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from fieldcheck.cycles import defaults
from fieldcheck.evidence.flags import (
    FLAG_CODES,
    Flag,
    FlagSettings,
    OtherPhoto,
    PhotoEvidence,
    VisitEvidence,
    camera_time_utc,
    compute_flags,
    phash_distance,
)

M_PER_DEG = 6378137 * math.pi / 180  # 111319.49079327357
PLACE = (0.0, 100.0)
UTC = timezone.utc
BEIJING = timezone(timedelta(hours=8))
START = datetime(2025, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 Beijing
SUBMIT = datetime(2025, 6, 1, 2, 30, tzinfo=UTC)  # 10:30 Beijing
SHA_A, SHA_B = "a" * 64, "b" * 64
PHASH = "0123456789abcdef"


def east(metres: float, of: tuple[float, float] = PLACE) -> tuple[float, float]:
    return (of[0], of[1] + metres / M_PER_DEG)


def photo(**kwargs: object) -> PhotoEvidence:
    base: dict[str, object] = {"sha256": SHA_A, "taken_at": datetime(2025, 6, 1, 10, 15), "gps": None,
                               "phash": PHASH}
    base.update(kwargs)
    return PhotoEvidence(**base)  # type: ignore[arg-type]


CLEAN = VisitEvidence(
    place_wgs84=PLACE, geotag=east(20), accuracy_m=12, started_at=START, submitted_at=SUBMIT,
    photos=[photo()], other_photos=[], interviews=[[4, 5], [3, 4], [5, 5]], min_interviews=3,
)


def codes(visit: VisitEvidence, settings: FlagSettings = FlagSettings()) -> list[str]:
    return [f.code for f in compute_flags(visit, settings)]


def only(visit: VisitEvidence, code: str) -> list[Flag]:
    return [f for f in compute_flags(visit) if f.code == code]


def test_clean_visit_raises_nothing() -> None:
    assert compute_flags(CLEAN) == []


def test_defaults() -> None:
    s = FlagSettings()
    assert (s.max_distance_m, s.max_accuracy_m, s.exif_gps_max_m, s.exif_time_window_h) == (500, 50, 1000, 2)
    assert (s.exif_max_age_days, s.phash_max_distance, s.min_visit_minutes, s.camera_utc_offset_h) == (30, 6, 5, 8)
    # One home for each default: the accuracy the phone waits for is the limit of the flag.
    assert s.max_accuracy_m == defaults.ACCURACY_THRESHOLD_M and s.max_distance_m == defaults.MAX_DISTANCE_M
    assert VisitEvidence().min_interviews == defaults.MIN_INTERVIEWS


# --- geotag ---------------------------------------------------------------------------------


def test_no_geotag_alone() -> None:
    visit = replace(CLEAN, geotag=None, accuracy_m=900)
    assert compute_flags(visit) == [Flag("no_geotag", {})]


def test_far_from_place_figures() -> None:
    assert only(replace(CLEAN, geotag=east(812.4)), "far_from_place") == [
        Flag("far_from_place", {"distance_m": 812.4, "limit_m": 500})]


@pytest.mark.parametrize(("metres", "raised"), [(499.9, False), (500.0 - 1e-6, False), (500.1, True)])
def test_far_from_place_boundary(metres: float, raised: bool) -> None:
    assert ("far_from_place" in codes(replace(CLEAN, geotag=east(metres)))) is raised


def test_far_from_place_needs_a_place() -> None:
    assert codes(replace(CLEAN, place_wgs84=None, geotag=east(5000))) == []


@pytest.mark.parametrize(("accuracy", "raised"), [(50, False), (50.5, True), (None, False)])
def test_poor_accuracy_boundary(accuracy: float | None, raised: bool) -> None:
    flags = only(replace(CLEAN, accuracy_m=accuracy), "poor_accuracy")
    assert flags == ([Flag("poor_accuracy", {"accuracy_m": 50.5, "limit_m": 50})] if raised else [])


def test_settings_change_limits() -> None:
    visit = replace(CLEAN, geotag=east(300), accuracy_m=40)
    assert codes(visit) == []
    assert codes(visit, FlagSettings(max_distance_m=200, max_accuracy_m=30)) == ["far_from_place", "poor_accuracy"]


# --- EXIF position --------------------------------------------------------------------------


def test_exif_gps_far_from_both_says_which() -> None:
    visit = replace(CLEAN, geotag=PLACE, photos=[photo(gps=east(1234.5))])
    assert only(visit, "exif_gps_far") == [
        Flag("exif_gps_far", {"photo": SHA_A, "reference": "geotag", "distance_m": 1234.5, "limit_m": 1000}),
        Flag("exif_gps_far", {"photo": SHA_A, "reference": "place", "distance_m": 1234.5, "limit_m": 1000}),
    ]


def test_exif_gps_far_from_place_only() -> None:
    # Geotag 700 m east of the place, photo 1100 m east: 400 m from the geotag, 1100 m from the place.
    visit = replace(CLEAN, geotag=east(700), photos=[photo(gps=east(1100))])
    assert only(visit, "exif_gps_far") == [
        Flag("exif_gps_far", {"photo": SHA_A, "reference": "place", "distance_m": 1100.0, "limit_m": 1000})]


@pytest.mark.parametrize(("metres", "raised"), [(999.9, False), (1000.1, True)])
def test_exif_gps_boundary(metres: float, raised: bool) -> None:
    visit = replace(CLEAN, geotag=PLACE, photos=[photo(gps=east(metres))])
    assert len(only(visit, "exif_gps_far")) == (2 if raised else 0)


def test_exif_gps_without_references_or_gps() -> None:
    assert codes(replace(CLEAN, place_wgs84=None, geotag=None, photos=[photo(gps=east(9000))])) == ["no_geotag"]
    assert only(replace(CLEAN, photos=[photo(gps=None)]), "exif_gps_far") == []


# --- EXIF time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("taken", "outside_h"),
    [
        (datetime(2025, 6, 1, 8, 0), None),  # 00:00Z: exactly 2 h before the start
        (datetime(2025, 6, 1, 7, 59), 2.02),  # 2 h 1 min before
        (datetime(2025, 6, 1, 12, 30), None),  # 04:30Z: exactly 2 h after the submit
        (datetime(2025, 6, 1, 12, 31), 2.02),
        (datetime(2025, 6, 1, 16, 30), 6.0),
    ],
)
def test_exif_time_outside_visit_boundary(taken: datetime, outside_h: float | None) -> None:
    flags = only(replace(CLEAN, photos=[photo(taken_at=taken)]), "exif_time_outside_visit")
    if outside_h is None:
        assert flags == []
    else:
        taken_utc = taken.replace(tzinfo=BEIJING).astimezone(UTC)
        assert flags == [Flag("exif_time_outside_visit", {
            "photo": SHA_A, "taken_at": taken_utc.isoformat(), "visit_start": "2025-06-01T02:00:00+00:00",
            "visit_end": "2025-06-01T02:30:00+00:00", "outside_h": outside_h, "window_h": 2})]


def test_exif_offset_beats_the_beijing_assumption() -> None:
    moscow = datetime(2025, 6, 1, 5, 10, tzinfo=timezone(timedelta(hours=3)))  # 02:10Z, inside
    assert only(replace(CLEAN, photos=[photo(taken_at=moscow)]), "exif_time_outside_visit") == []
    naive = moscow.replace(tzinfo=None)  # read as Beijing: 21:10Z the day before, 4h50 early
    [flag] = only(replace(CLEAN, photos=[photo(taken_at=naive)]), "exif_time_outside_visit")
    assert flag.figures["outside_h"] == 4.83
    assert camera_time_utc(naive) == datetime(2025, 5, 31, 21, 10, tzinfo=UTC)
    assert camera_time_utc(naive, 0) == datetime(2025, 6, 1, 5, 10, tzinfo=UTC)


def test_exif_time_with_only_a_submit_time() -> None:
    visit = replace(CLEAN, started_at=None, photos=[photo(taken_at=datetime(2025, 6, 1, 8, 29))])
    [flag] = only(visit, "exif_time_outside_visit")  # window is around the submit alone: 2 h 1 min
    assert (flag.figures["visit_start"], flag.figures["outside_h"]) == ("2025-06-01T02:30:00+00:00", 2.02)
    assert "short_visit" not in codes(visit)


@pytest.mark.parametrize(
    ("taken", "age_days"),
    [
        (datetime(2025, 5, 2, 10, 30), None),  # 02:30Z on 2 May: exactly 30 days before the submit
        (datetime(2025, 5, 2, 10, 29), 30.0),
        (datetime(2025, 4, 16, 22, 30), 45.5),  # 14:30Z on 16 April
    ],
)
def test_exif_time_old_boundary(taken: datetime, age_days: float | None) -> None:
    flags = only(replace(CLEAN, photos=[photo(taken_at=taken)]), "exif_time_old")
    if age_days is None:
        assert flags == []
    else:
        taken_utc = taken.replace(tzinfo=BEIJING).astimezone(UTC).isoformat()
        assert flags == [Flag("exif_time_old", {"photo": SHA_A, "taken_at": taken_utc, "age_days": age_days,
                                                "limit_days": 30})]


def test_no_times_no_time_flags() -> None:
    visit = replace(CLEAN, started_at=None, submitted_at=None, photos=[photo(taken_at=datetime(2001, 1, 1))])
    assert codes(visit) == []
    assert codes(replace(CLEAN, photos=[photo(taken_at=None)])) == []


# --- duplicates -----------------------------------------------------------------------------


def flip(hexhash: str, bits: int) -> str:
    return f"{int(hexhash, 16) ^ ((1 << bits) - 1):016x}"


def test_duplicate_photo() -> None:
    visit = replace(CLEAN, other_photos=[(SHA_A, PHASH, "2025/qingshan-county/7 #12")])
    assert compute_flags(visit) == [Flag("duplicate_photo", {"photo": SHA_A, "other": "2025/qingshan-county/7 #12"})]


@pytest.mark.parametrize(("bits", "raised"), [(0, True), (6, True), (7, False)])
def test_near_duplicate_boundary(bits: int, raised: bool) -> None:
    other = OtherPhoto(SHA_B, flip(PHASH, bits), "v9")
    flags = only(replace(CLEAN, other_photos=[other]), "near_duplicate_photo")
    expected = Flag("near_duplicate_photo", {"photo": SHA_A, "other": "v9", "other_photo": SHA_B,
                                             "distance": bits, "limit": 6})
    assert flags == ([expected] if raised else [])


def test_malformed_hashes_are_skipped() -> None:
    assert phash_distance(PHASH, "") is None and phash_distance(PHASH, "zz" * 8) is None
    assert phash_distance(PHASH, "abc") is None and phash_distance("ff", "0f") == 4
    visit = replace(CLEAN, photos=[photo(phash="")], other_photos=[(SHA_B, "", "v2")])
    assert codes(visit) == []


# --- interviews and duration ----------------------------------------------------------------


@pytest.mark.parametrize(("count", "raised"), [(2, True), (3, False)])
def test_few_interviews_boundary(count: int, raised: bool) -> None:
    interviews = [[4, 5], [3, 4], [5, 5]][:count]
    flags = only(replace(CLEAN, interviews=interviews), "few_interviews")
    assert flags == ([Flag("few_interviews", {"count": 2, "minimum": 3})] if raised else [])


@pytest.mark.parametrize(("seconds", "minutes"), [(300, None), (299, 4.98), (-60, -1.0)])
def test_short_visit_boundary(seconds: int, minutes: float | None) -> None:
    flags = only(replace(CLEAN, submitted_at=START + timedelta(seconds=seconds)), "short_visit")
    assert flags == ([Flag("short_visit", {"minutes": minutes, "minimum_minutes": 5})] if minutes is not None else [])


@pytest.mark.parametrize(
    ("interviews", "expected"),
    [
        ([[4, 4], [4, 4], [4, 4]], {"value": 4, "interviews": 3, "ratings": 6}),
        ([[5], [5]], {"value": 5, "interviews": 2, "ratings": 2}),
        ([[5], [5], []], {"value": 5, "interviews": 2, "ratings": 2}),
        ([[5, 5]], None),  # one interview: nothing to compare
        ([[4, 4], [4, 5], [4, 4]], None),
        ([[3, 4], [3, 4]], None),  # the same answers, but not all identical
    ],
)
def test_identical_ratings(interviews: list[list[int]], expected: dict | None) -> None:
    visit = replace(CLEAN, interviews=interviews, min_interviews=1)
    assert only(visit, "identical_ratings") == ([Flag("identical_ratings", expected)] if expected else [])


def test_everything_at_once_in_stable_order() -> None:
    visit = VisitEvidence(
        place_wgs84=PLACE, geotag=east(600), accuracy_m=150, started_at=START,
        submitted_at=START + timedelta(minutes=2),
        photos=[photo(gps=east(3000), taken_at=datetime(2025, 1, 1, 9, 0)), photo(sha256=SHA_B, phash=flip(PHASH, 3))],
        other_photos=[OtherPhoto(SHA_A, PHASH, "v1")], interviews=[[5, 5], [5, 5]], min_interviews=3,
    )
    got = codes(visit)
    assert got == ["far_from_place", "poor_accuracy", "exif_gps_far", "exif_gps_far", "exif_time_outside_visit",
                   "exif_time_old", "duplicate_photo", "near_duplicate_photo", "few_interviews", "short_visit",
                   "identical_ratings"]
    assert set(got) | {"no_geotag"} == set(FLAG_CODES)
    assert codes(replace(visit, geotag=None))[0] == "no_geotag"


def test_the_phash_band_prefilter_never_misses_a_hash_within_the_distance():
    import random

    from fieldcheck.evidence.flags import phash_band_values, phash_distance

    rng = random.Random(14)
    for max_distance in (0, 3, 6, 9):
        for _ in range(300):
            a = rng.getrandbits(64)
            flips = rng.sample(range(64), rng.randint(0, max_distance))
            b = a ^ sum(1 << bit for bit in flips)
            ha, hb = f"{a:016x}", f"{b:016x}"
            assert phash_distance(ha, hb) <= max_distance
            values = phash_band_values(ha, max_distance)
            assert any(hb[4 * i:4 * i + 4] in values[i] for i in range(4)), (ha, hb, max_distance)
    assert phash_band_values("", 6) is None and phash_band_values("xyz", 6) is None
    assert phash_band_values("0" * 16, 32) is None  # eight bits a band: no longer a filter
    assert [len(v) for v in phash_band_values("0123456789abcdef", 6)] == [17] * 4


def test_a_photo_matching_many_others_names_three_and_counts_the_rest() -> None:
    from fieldcheck.evidence.flags import MAX_MATCHES_NAMED

    copies = [OtherPhoto(SHA_A, "0" * 16, f"2025/u/{i}") for i in range(10)]
    near = [OtherPhoto(f"{i:064x}", "0" * 15 + "1", f"2025/n/{i}") for i in range(2)]
    photo = PhotoEvidence(SHA_A, None, None, "0" * 16)
    flags = compute_flags(replace(CLEAN, photos=[photo], other_photos=copies + near))
    same = [f for f in flags if f.code == "duplicate_photo"]
    close = [f for f in flags if f.code == "near_duplicate_photo"]
    assert MAX_MATCHES_NAMED == 3 and [f.figures["other"] for f in same] == ["2025/u/0", "2025/u/1", "2025/u/2"]
    assert same[-1].figures["more"] == 7 and "more" not in same[0].figures
    assert [f.figures["other"] for f in close] == ["2025/n/0", "2025/n/1"] and "more" not in close[-1].figures
