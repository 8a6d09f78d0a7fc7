"""Tolerant reading of the EXIF facts a field photo can carry.

Phones and cameras write broken EXIF often enough (zero denominators, wrong types, junk dates)
that every field is read on its own: one bad tag turns that fact into ``None`` and never fails
the photo. Nothing here raises.

Rules worth knowing:
- ``taken_at`` is DateTimeOriginal, else DateTimeDigitized; never DateTime (0x0132), which
  editing software rewrites, so it says when the file was last saved, not when the photo was taken.
- ``taken_at_offset`` comes from the OffsetTime tag that matches the date used.
- GPS needs a valid N/S and E/W reference: without it the hemisphere is a guess, and a
  mirrored position is worse evidence than none. Exactly (0, 0) is treated as "no fix",
  the placeholder many devices write.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from PIL import Image

# EXIF / TIFF tag numbers (kept numeric so the code does not depend on ExifTags enums).
_IFD_EXIF = 0x8769
_IFD_GPS = 0x8825
_ORIENTATION = 0x0112
_MAKE = 0x010F
_MODEL = 0x0110
_DATETIME_ORIGINAL = 0x9003
_DATETIME_DIGITIZED = 0x9004
_OFFSET_ORIGINAL = 0x9011
_OFFSET_DIGITIZED = 0x9012
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4

_MAX_TEXT = 128  # longer make/model strings are junk, not camera names
_DATE_FORMATS = ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y:%m:%d %H:%M")
_OFFSET_RE = re.compile(r"([+-])(\d{2}):?(\d{2})")


@dataclass(frozen=True)
class ExifFacts:
    """What a photo's EXIF says; every field is None when absent or invalid."""

    orientation: int | None = None
    taken_at: datetime | None = None
    taken_at_offset: str | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    camera_make: str | None = None
    camera_model: str | None = None


def read_exif(img: Image.Image) -> ExifFacts:
    """Read orientation, capture time, GPS and camera from an opened (and loaded) image."""
    try:
        exif = img.getexif()
        base: dict[int, Any] = dict(exif)
    except Exception:  # broken EXIF block: the image itself may still be fine
        return ExifFacts()
    try:
        return _facts(base, _ifd(exif, _IFD_EXIF), _ifd(exif, _IFD_GPS))
    except Exception:  # safety net: the helpers are tolerant, but photo ingest must go on
        return ExifFacts()


def _facts(base: dict[int, Any], sub: dict[int, Any], gps: dict[int, Any]) -> ExifFacts:
    taken_at, offset = _capture_time(sub)
    lat, lon = _gps(gps)
    return ExifFacts(
        orientation=_orientation(base.get(_ORIENTATION)),
        taken_at=taken_at,
        taken_at_offset=offset,
        gps_lat=lat,
        gps_lon=lon,
        camera_make=_text(base.get(_MAKE)),
        camera_model=_text(base.get(_MODEL)),
    )


def _ifd(exif: Image.Exif, tag: int) -> dict[int, Any]:
    try:
        return dict(exif.get_ifd(tag))
    except Exception:  # a bad IFD pointer must only cost that IFD
        return {}


def _orientation(value: Any) -> int | None:
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 8:
        return value
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    # Drop NUL padding and control characters so the value is safe to show and store.
    cleaned = "".join(ch for ch in value if ch.isprintable()).strip()
    return cleaned[:_MAX_TEXT] or None


def _capture_time(sub: dict[int, Any]) -> tuple[datetime | None, str | None]:
    for date_tag, offset_tag in (
        (_DATETIME_ORIGINAL, _OFFSET_ORIGINAL),
        (_DATETIME_DIGITIZED, _OFFSET_DIGITIZED),
    ):
        taken = _datetime(sub.get(date_tag))
        if taken is not None:
            return taken, _offset(sub.get(offset_tag))
    return None, None


def _datetime(value: Any) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text[:19], fmt)
        except ValueError:
            continue
    return None


def _offset(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if text.upper() == "Z":
        return "+00:00"
    match = _OFFSET_RE.fullmatch(text)
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    if int(hours) > 14 or int(minutes) >= 60:
        return None
    return f"{sign}{hours}:{minutes}"


def _gps(gps: dict[int, Any]) -> tuple[float | None, float | None]:
    lat = _coordinate(gps.get(_GPS_LAT), _text(gps.get(_GPS_LAT_REF)), "N", "S", 90.0)
    lon = _coordinate(gps.get(_GPS_LON), _text(gps.get(_GPS_LON_REF)), "E", "W", 180.0)
    if lat is None or lon is None or (lat == 0.0 and lon == 0.0):
        return None, None  # half a position is no position
    return lat, lon


def _coordinate(value: Any, ref: str | None, pos: str, neg: str, limit: float) -> float | None:
    ref = (ref or "").upper()[:1]
    if ref not in (pos, neg):
        return None
    parts = value if isinstance(value, (tuple, list)) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    numbers = [_number(p) for p in parts]
    if any(n is None or n < 0 for n in numbers):
        return None
    # Minutes and seconds above 60 mean a misread field; 60 itself is a common rounding artefact.
    if any(n is not None and n > 60 for n in numbers[1:]):
        return None
    degrees = sum(n / 60**i for i, n in enumerate(numbers) if n is not None)
    if not math.isfinite(degrees) or degrees > limit:
        return None
    return -degrees if ref == neg else degrees


def _number(value: Any) -> float | None:
    """A rational or plain number as a float; None for zero denominators and non-numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (tuple, list)) and len(value) == 2:
        value = _ratio(value[0], value[1])
    elif hasattr(value, "numerator") and hasattr(value, "denominator"):
        # IFDRational and Fraction: read the raw pair so a zero denominator is caught,
        # instead of relying on IFDRational turning it into NaN.
        value = _ratio(value.numerator, value.denominator)
    if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool):
        result = float(value)
        return result if math.isfinite(result) else None
    return None


def _ratio(num: Any, den: Any) -> float | None:
    try:
        num_f, den_f = float(num), float(den)
    except (TypeError, ValueError):
        return None
    if den_f == 0 or not math.isfinite(num_f) or not math.isfinite(den_f):
        return None
    return num_f / den_f
