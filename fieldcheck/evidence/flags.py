"""Evidence checks (疑点): warnings a reviewer sees beside a verification, never rejections.

``compute_flags(visit)`` is pure: it takes plain values gathered from one verification (and the
photos of the other verifications) and returns the flags in a stable order, each with the figures
the reviewer needs to judge it (the measured value and the limit it broke).

Flag codes (stable; the web layer translates them):
- ``no_geotag``: the visit carries no browser geotag.
- ``far_from_place``: the geotag is farther than ``max_distance_m`` from the place.
- ``poor_accuracy``: the geotag's reported accuracy is worse than ``max_accuracy_m``.
- ``exif_gps_far``: a photo's EXIF position is farther than ``exif_gps_max_m`` from the geotag
  or from the place; one flag per photo and reference, ``figures["reference"]`` says which.
- ``exif_time_outside_visit``: a photo's EXIF time lies more than ``exif_time_window_h`` before
  the visit started or after it was submitted.
- ``exif_time_old``: a photo's EXIF time is more than ``exif_max_age_days`` before the submit.
- ``duplicate_photo``: the same file (SHA-256) is evidence in another verification.
- ``near_duplicate_photo``: a different file whose perceptual hash is within
  ``phash_max_distance`` bits of a photo in another verification.
  Per photo and code at most ``MAX_MATCHES_NAMED`` other photos are named; the last flag named then
  carries ``figures["more"]``, how many further matches were found (a photo reused a thousand times
  gives three flags, not a thousand).
- ``few_interviews``: fewer interviews than the cycle's minimum.
- ``short_visit``: from start to submit took less than ``min_visit_minutes``.
- ``identical_ratings``: two or more interviews, and every rating in all of them is the same.

Camera clocks: EXIF date-times usually carry no offset. A naive ``taken_at`` is read as local
time at UTC+``camera_utc_offset_h`` (default 8, cycle configuration: the examiners' phones are set to Beijing time,
which covers all of China). When the photo carried an OffsetTime tag the caller passes an aware
datetime, and that offset wins.

Distances are geodesic on WGS-84; every position here must already be WGS-84 (convert a place's
GCJ-02 / BD-09 coordinates with ``places.geo.to_wgs84`` first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from fieldcheck.cycles import defaults
from fieldcheck.places.geo import geodesic_distance_m

FLAG_CODES: tuple[str, ...] = (
    "no_geotag",
    "far_from_place",
    "poor_accuracy",
    "exif_gps_far",
    "exif_time_outside_visit",
    "exif_time_old",
    "duplicate_photo",
    "near_duplicate_photo",
    "few_interviews",
    "short_visit",
    "identical_ratings",
)

LatLon = tuple[float, float]
Figure = float | str | int | None


@dataclass(frozen=True)
class Flag:
    """One warning: a stable ``code`` and the figures behind it (e.g. distance and limit)."""

    code: str
    figures: dict[str, Figure] = field(default_factory=dict)


@dataclass(frozen=True)
class FlagSettings:
    """Thresholds; each is cycle configuration (cycles/settings.py), these are a new cycle's defaults."""

    max_distance_m: float = defaults.MAX_DISTANCE_M
    max_accuracy_m: float = defaults.ACCURACY_THRESHOLD_M
    exif_gps_max_m: float = defaults.EXIF_GPS_MAX_M
    exif_time_window_h: float = defaults.EXIF_TIME_WINDOW_H
    exif_max_age_days: float = defaults.EXIF_MAX_AGE_DAYS
    phash_max_distance: int = defaults.PHASH_MAX_DISTANCE
    min_visit_minutes: float = defaults.MIN_VISIT_MINUTES
    camera_utc_offset_h: float = defaults.CAMERA_UTC_OFFSET_H  # naive EXIF times (see module docstring)


@dataclass(frozen=True)
class PhotoEvidence:
    """One photo of this visit: ``taken_at`` naive camera time, or aware if the offset is known."""

    sha256: str
    taken_at: datetime | None = None
    gps: LatLon | None = None
    phash: str = ""


class OtherPhoto(NamedTuple):
    """A photo already used in another verification; ``label`` names that verification."""

    sha256: str
    phash: str
    label: str


@dataclass(frozen=True)
class VisitEvidence:
    """What one verification recorded; positions are WGS-84 (lat, lon), times aware (naive = UTC)."""

    place_wgs84: LatLon | None = None
    geotag: LatLon | None = None
    accuracy_m: float | None = None
    started_at: datetime | None = None
    submitted_at: datetime | None = None
    photos: Sequence[PhotoEvidence] = ()
    other_photos: Sequence[OtherPhoto | tuple[str, str, str]] = ()
    interviews: Sequence[Sequence[int]] = ()
    min_interviews: int = defaults.MIN_INTERVIEWS


def compute_flags(visit: VisitEvidence, settings: FlagSettings = FlagSettings()) -> list[Flag]:
    """All flags this visit raises, in the order of FLAG_CODES (then photo order)."""
    flags: list[Flag] = []
    flags += _geotag_flags(visit, settings)
    flags += _exif_gps_flags(visit, settings)
    flags += _exif_time_flags(visit, settings)
    flags += _duplicate_flags(visit, settings)
    flags += _interview_flags(visit)
    flags += _duration_flags(visit, settings)
    flags += _identical_rating_flags(visit)
    return sorted(flags, key=lambda f: FLAG_CODES.index(f.code))  # stable: photo order kept


def camera_time_utc(taken_at: datetime, camera_utc_offset_h: float = defaults.CAMERA_UTC_OFFSET_H) -> datetime:
    """An EXIF time in UTC: aware times keep their offset, naive ones get the camera offset."""
    if taken_at.tzinfo is None or taken_at.utcoffset() is None:
        taken_at = taken_at.replace(tzinfo=timezone(timedelta(hours=camera_utc_offset_h)))
    return taken_at.astimezone(timezone.utc)


def phash_distance(a: str, b: str) -> int | None:
    """Hamming distance of two hex perceptual hashes; None if either is missing or malformed."""
    if not a or not b or len(a) != len(b):
        return None
    try:
        return bin(int(a, 16) ^ int(b, 16)).count("1")
    except ValueError:
        return None


def _geotag_flags(visit: VisitEvidence, s: FlagSettings) -> list[Flag]:
    if visit.geotag is None:
        return [Flag("no_geotag", {})]
    flags = []
    if visit.place_wgs84 is not None:
        distance = geodesic_distance_m(visit.geotag, visit.place_wgs84)
        if distance > s.max_distance_m:
            flags.append(Flag("far_from_place", {"distance_m": _m(distance), "limit_m": s.max_distance_m}))
    if visit.accuracy_m is not None and visit.accuracy_m > s.max_accuracy_m:
        flags.append(Flag("poor_accuracy", {"accuracy_m": _m(visit.accuracy_m), "limit_m": s.max_accuracy_m}))
    return flags


def _exif_gps_flags(visit: VisitEvidence, s: FlagSettings) -> list[Flag]:
    flags = []
    references = (("geotag", visit.geotag), ("place", visit.place_wgs84))
    for photo in visit.photos:
        if photo.gps is None:
            continue
        for name, point in references:
            if point is None:
                continue
            distance = geodesic_distance_m(photo.gps, point)
            if distance > s.exif_gps_max_m:
                flags.append(Flag("exif_gps_far", {"photo": photo.sha256, "reference": name,
                                                   "distance_m": _m(distance), "limit_m": s.exif_gps_max_m}))
    return flags


def _exif_time_flags(visit: VisitEvidence, s: FlagSettings) -> list[Flag]:
    start = visit.started_at or visit.submitted_at
    end = visit.submitted_at or visit.started_at
    if start is None or end is None:
        return []
    start, end = _utc(start), _utc(end)
    window = timedelta(hours=s.exif_time_window_h)
    max_age = timedelta(days=s.exif_max_age_days)
    flags = []
    for photo in visit.photos:
        if photo.taken_at is None:
            continue
        taken = camera_time_utc(photo.taken_at, s.camera_utc_offset_h)
        outside = max(start - taken, taken - end, timedelta(0))
        if outside > window:
            flags.append(Flag("exif_time_outside_visit", {
                "photo": photo.sha256, "taken_at": taken.isoformat(), "visit_start": start.isoformat(),
                "visit_end": end.isoformat(), "outside_h": _h(outside), "window_h": s.exif_time_window_h}))
        age = end - taken
        if age > max_age:
            flags.append(Flag("exif_time_old", {
                "photo": photo.sha256, "taken_at": taken.isoformat(),
                "age_days": round(age / timedelta(days=1), 1), "limit_days": s.exif_max_age_days}))
    return flags


MAX_MATCHES_NAMED = 3  # other photos named per photo and code; the rest are counted


def _duplicate_flags(visit: VisitEvidence, s: FlagSettings) -> list[Flag]:
    flags = []
    others = [OtherPhoto(*o) for o in visit.other_photos]
    for photo in visit.photos:
        same: list[Flag] = []
        near: list[Flag] = []
        more = {"duplicate_photo": 0, "near_duplicate_photo": 0}
        for other in others:
            if other.sha256 == photo.sha256:
                if len(same) < MAX_MATCHES_NAMED:
                    same.append(Flag("duplicate_photo", {"photo": photo.sha256, "other": other.label}))
                else:
                    more["duplicate_photo"] += 1
                continue
            distance = phash_distance(photo.phash, other.phash)
            if distance is not None and distance <= s.phash_max_distance:
                if len(near) < MAX_MATCHES_NAMED:
                    near.append(Flag("near_duplicate_photo", {
                        "photo": photo.sha256, "other": other.label, "other_photo": other.sha256,
                        "distance": distance, "limit": s.phash_max_distance}))
                else:
                    more["near_duplicate_photo"] += 1
        for named in (same, near):
            if named and more[named[-1].code]:
                named[-1].figures["more"] = more[named[-1].code]
            flags += named
    return flags


def _interview_flags(visit: VisitEvidence) -> list[Flag]:
    count = len(visit.interviews)
    if count < visit.min_interviews:
        return [Flag("few_interviews", {"count": count, "minimum": visit.min_interviews})]
    return []


def _duration_flags(visit: VisitEvidence, s: FlagSettings) -> list[Flag]:
    if visit.started_at is None or visit.submitted_at is None:
        return []
    minutes = (_utc(visit.submitted_at) - _utc(visit.started_at)) / timedelta(minutes=1)
    if minutes < s.min_visit_minutes:  # negative (clock trouble) is flagged too
        return [Flag("short_visit", {"minutes": round(minutes, 2), "minimum_minutes": s.min_visit_minutes})]
    return []


def _identical_rating_flags(visit: VisitEvidence) -> list[Flag]:
    answered = [list(ratings) for ratings in visit.interviews if ratings]
    values = {v for ratings in answered for v in ratings}
    if len(answered) >= 2 and len(values) == 1:
        return [Flag("identical_ratings", {"value": values.pop(), "interviews": len(answered),
                                           "ratings": sum(len(r) for r in answered)})]
    return []


def _utc(moment: datetime) -> datetime:
    """Visit times should be aware; a naive one is taken as UTC (how the database stores them)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _m(metres: float) -> float:
    return round(metres, 1)


def _h(delta: timedelta) -> float:
    return round(delta / timedelta(hours=1), 2)


BAND_BITS = 16
MAX_BAND_VALUES = 1000  # beyond this many candidate values per band the prefilter is not worth it


def phash_band_values(phash: str, max_distance: int) -> list[set[str]] | None:
    """Per 16-bit band of a 64-bit hex pHash, every band value within max_distance // 4 bits.

    Two hashes at most d bits apart differ in at most d // 4 bits in one of the four bands
    (pigeonhole), so a photo sharing no band with these values cannot be within d bits: the
    database can be asked for the candidates through an index. None when the hash is malformed
    or the radius makes the lists too long to be a filter.
    """
    if not phash or len(phash) != 16:
        return None
    try:
        bands = [int(phash[i:i + 4], 16) for i in range(0, 16, 4)]
    except ValueError:
        return None
    radius = max(0, max_distance) // 4
    masks = [0]
    for k in range(1, radius + 1):
        masks.extend(sum(1 << b for b in bits) for bits in combinations(range(BAND_BITS), k))
        if len(masks) > MAX_BAND_VALUES:
            return None
    return [{f"{band ^ mask:04x}" for mask in masks} for band in bands]
