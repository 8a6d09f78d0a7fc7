"""What the review page shows of one verification, prepared for people.

Photos are named 照片1, 照片2 … (never by hash), each with its own warnings, its camera time in the
cycle's time zone and its position; the warnings are grouped and worded with their figures; the plot
places the geotag, its accuracy and each photo beside the claimed place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from ..assignment.models import Task
from ..cycles.settings import settings_of
from ..extensions import db
from ..evidence.flags import camera_time_utc
from ..evidence.models import Flag, Photo
from ..field.checks import photo_time
from ..field.models import Interview, Verification
from ..places.geo import geodesic_distance_m
from .plot import Plot, plot

GROUPS = (
    ("location", ("no_geotag", "far_from_place", "poor_accuracy")),
    ("photos", ("exif_gps_far", "exif_time_outside_visit", "exif_time_old", "duplicate_photo",
                "near_duplicate_photo")),
    ("interviews", ("few_interviews", "identical_ratings")),
    ("visit", ("short_visit",)),
)


@dataclass
class PhotoView:
    number: int
    photo: Photo
    taken_local: str | None  # the camera time in the cycle's zone
    position: tuple[float, float] | None
    distance_to_place_m: float | None
    distance_to_geotag_m: float | None
    warnings: list[str] = field(default_factory=list)


@dataclass
class EvidenceView:
    zone: str
    zone_label: str
    photos: list[PhotoView]
    groups: list[tuple[str, list[tuple[str, str]]]]  # group -> (code, sentence)
    flag_count: int
    plot: Plot | None
    distance_m: float | None
    submitted_local: str
    started_local: str | None


def metres(value) -> str:
    """A distance for people: whole metres below a kilometre, else kilometres."""
    if not isinstance(value, (int, float)):
        return str(value)
    return f"{value:,.0f} m" if abs(value) < 1000 else f"{value / 1000:,.{0 if abs(value) >= 100000 else 1}f} km"


def _num(value) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:g}"
    return str(value)


def local_time(moment: datetime | None, zone: ZoneInfo) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _iso_local(text, zone: ZoneInfo) -> str:
    try:
        return local_time(datetime.fromisoformat(str(text)), zone) or "—"
    except ValueError:
        return str(text)


def _more(figures: dict) -> str:
    """The matches a duplicate warning counts but does not name (the check names three per photo)."""
    more = figures.get("more")
    return _(" At least %(n)s more photos of other visits match it too.", n=_num(more)) if more else ""


def sentence(flag: Flag, names: dict[str, str], zone: ZoneInfo) -> str:
    """One warning in plain words with its figures; photos named by their number on this page."""
    f = flag.figure_data
    photo = names.get(str(f.get("photo", "")), _("a photo"))
    code = flag.code
    if code == "no_geotag":
        return _("No location was recorded on the visit.")
    if code == "far_from_place":
        return _("The visit's location is %(d)s from the place (the limit is %(limit)s).",
                 d=metres(f.get("distance_m")), limit=metres(f.get("limit_m")))
    if code == "poor_accuracy":
        return _("The location is accurate only to %(a)s (the limit is %(limit)s).",
                 a=metres(f.get("accuracy_m")), limit=metres(f.get("limit_m")))
    if code == "exif_gps_far":
        reference = _("the visit's location") if f.get("reference") == "geotag" else _("the place")
        return _("%(photo)s was taken %(d)s from %(ref)s (the limit is %(limit)s).", photo=photo,
                 d=metres(f.get("distance_m")), ref=reference, limit=metres(f.get("limit_m")))
    if code == "exif_time_outside_visit":
        return _("%(photo)s was taken at %(t)s, %(h)s hours outside the visit (the limit is %(limit)s hours).",
                 photo=photo, t=_iso_local(f.get("taken_at"), zone), h=_num(f.get("outside_h")),
                 limit=_num(f.get("window_h")))
    if code == "exif_time_old":
        return _("%(photo)s was taken %(days)s days before the visit (the limit is %(limit)s days).", photo=photo,
                 days=_num(f.get("age_days")), limit=_num(f.get("limit_days")))
    if code == "duplicate_photo":
        return _("%(photo)s is the same file as a photo of %(other)s.", photo=photo,
                 other=f.get("other", "")) + _more(f)
    if code == "near_duplicate_photo":
        return _("%(photo)s looks almost the same as a photo of %(other)s (%(n)s of 64 image-hash bits differ).",
                 photo=photo, other=f.get("other", ""), n=_num(f.get("distance"))) + _more(f)
    if code == "few_interviews":
        return _("%(n)s interviews, fewer than the %(min)s expected.", n=_num(f.get("count")),
                 min=_num(f.get("minimum")))
    if code == "short_visit":
        return _("The visit took %(m)s minutes (less than %(min)s).", m=_num(f.get("minutes")),
                 min=_num(f.get("minimum_minutes")))
    if code == "identical_ratings":
        return _("All %(n)s ratings of %(i)s interviews are %(v)s.", n=_num(f.get("ratings")),
                 i=_num(f.get("interviews")), v=_num(f.get("value")))
    title = f"flag_{code}"  # a dynamic code (dynamic.pot): the flag's name, for a code without a sentence
    return _(title)


def preload(verification: Verification) -> Verification:
    """Everything the review page shows of a visit, in a fixed number of statements: photos, warnings
    and interviews with their ratings come in one statement per collection, however many there are."""
    db.session.scalars(
        sa.select(Verification).where(Verification.id == verification.id)
        .options(selectinload(Verification.photos), selectinload(Verification.flags),
                 selectinload(Verification.interviews).selectinload(Interview.ratings),
                 joinedload(Verification.examiner),
                 joinedload(Verification.task).joinedload(Task.claim))
        .execution_options(populate_existing=True)).one()
    return verification


def evidence_view(verification: Verification) -> EvidenceView:
    settings = settings_of(verification.task.claim.report.cycle)
    zone = ZoneInfo(settings.time_zone)
    place = verification.task.claim.place
    place_pos = place.wgs84() if place else None
    geotag = (verification.lat, verification.lon) if verification.lat is not None else None
    names = {p.sha256: _("Photo %(n)s", n=i) for i, p in enumerate(verification.photos, 1)}
    photos = []
    for i, p in enumerate(verification.photos, 1):
        taken = photo_time(p)
        taken_local = local_time(camera_time_utc(taken, settings.camera_utc_offset_h), zone) if taken else None
        position = (p.gps_lat, p.gps_lon) if p.gps_lat is not None and p.gps_lon is not None else None
        photos.append(PhotoView(
            i, p, taken_local, position,
            round(geodesic_distance_m(position, place_pos)) if position and place_pos else None,
            round(geodesic_distance_m(position, geotag)) if position and geotag else None))
    by_sha = {view.photo.sha256: view for view in photos}
    groups = []
    for group, codes in GROUPS:
        lines = [(f.code, sentence(f, names, zone)) for f in verification.flags if f.code in codes]
        if lines:
            groups.append((group, lines))
    for f in verification.flags:
        sha = f.figure_data.get("photo")
        if sha in by_sha:
            by_sha[sha].warnings.append(sentence(f, names, zone))
    offset = datetime.now(zone).strftime("%z")
    zone_label = f"{settings.time_zone}, UTC{offset[:3]}:{offset[3:]}"
    return EvidenceView(
        zone=settings.time_zone, zone_label=zone_label, photos=photos, groups=groups,
        flag_count=len(verification.flags),
        plot=plot(place_pos, geotag, verification.accuracy_m,
                  [(str(v.number), v.position) for v in photos if v.position]),
        distance_m=round(geodesic_distance_m(geotag, place_pos)) if geotag and place_pos else None,
        submitted_local=local_time(verification.submitted_at, zone) or "",
        started_local=local_time(verification.started_at, zone))
