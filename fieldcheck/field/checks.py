"""Running the evidence checks on a stored verification and keeping the flags beside it."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from ..assignment.models import Task
from ..cycles.settings import settings_of
from ..evidence.flags import FlagSettings, OtherPhoto, PhotoEvidence, VisitEvidence, compute_flags, phash_band_values
from ..evidence.models import PHASH_BANDS, Flag, Photo, verification_photo
from ..extensions import db
from ..reports.models import Claim, Report
from .models import Verification


def photo_time(photo: Photo) -> datetime | None:
    """The camera time, aware when the camera wrote its offset (else naive: Beijing time assumed)."""
    if not photo.taken_at:
        return None
    try:
        value = datetime.fromisoformat(photo.taken_at)
        if photo.taken_at_offset and value.tzinfo is None:
            value = datetime.fromisoformat(photo.taken_at + photo.taken_at_offset)
    except ValueError:
        return None
    return value


# Candidate rows read per submit at most: a photo reused across a whole county stays a bounded query
# (exact copies first; the flags name three matches per photo and count the rest they were given).
MAX_CANDIDATES = 200


def other_photos(verification: Verification, max_distance: int) -> list[OtherPhoto]:
    """Candidate photos used as evidence for other tasks of the same cycle (a resubmission may reuse its own).

    One query, whatever the size of the cycle: the database returns only photos with the same
    SHA-256 or sharing a pHash band within reach of `max_distance` bits (indexed columns); the
    pure check then measures the exact distance. Each row carries the claim's public id parts.
    """
    task = verification.task
    cycle = task.claim.report.cycle
    mine = list(verification.photos)
    if not mine:
        return []
    match = [Photo.sha256.in_([p.sha256 for p in mine])]
    bands: list[set[str]] = [set() for _ in range(PHASH_BANDS)]
    for photo in mine:
        values = phash_band_values(photo.phash or "", max_distance)
        if values is None and photo.phash:
            match = []  # a radius too wide for the bands: every photo of the cycle is a candidate
            break
        for band, wanted in zip(bands, values or ()):
            band.update(wanted)
    if match:
        columns = (Photo.phash_b0, Photo.phash_b1, Photo.phash_b2, Photo.phash_b3)
        match.extend(column.in_(sorted(wanted)) for column, wanted in zip(columns, bands) if wanted)
    query = sa.select(Photo.sha256, Photo.phash, Report.slug, Claim.n)
    if match:
        # The candidates first, each condition by its own index (a UNION, not an OR the planner
        # might answer by walking the cycle), then the few of them used in this cycle.
        candidates = sa.union(*(sa.select(Photo.id).where(condition) for condition in match)).subquery()
        query = query.select_from(candidates).join(Photo, Photo.id == candidates.c.id)
    query = (
        query
        .join(verification_photo, verification_photo.c.photo_id == Photo.id)
        .join(Verification, Verification.id == verification_photo.c.verification_id)
        .join(Task, Task.id == Verification.task_id).join(Claim, Claim.id == Task.claim_id)
        .join(Report, Report.id == Claim.report_id)
        .where(Report.cycle_id == cycle.id, Verification.task_id != verification.task_id)
        .order_by(sa.case((Photo.sha256.in_([p.sha256 for p in mine]), 0), else_=1), Verification.id.desc())
        .limit(MAX_CANDIDATES))
    return [OtherPhoto(sha, phash or "", f"{cycle.code}/{slug}/{n}") for sha, phash, slug, n in db.session.execute(query)]


def evidence_of(verification: Verification) -> tuple[VisitEvidence, FlagSettings]:
    """The visit as the pure checks see it, and every flag limit from the cycle's settings."""
    task = verification.task
    settings = settings_of(task.claim.report.cycle)
    place = task.claim.place
    visit = VisitEvidence(
        place_wgs84=place.wgs84() if place else None,
        geotag=(verification.lat, verification.lon) if verification.lat is not None else None,
        accuracy_m=verification.accuracy_m,
        started_at=verification.started_at, submitted_at=verification.submitted_at,
        photos=[PhotoEvidence(p.sha256, photo_time(p), (p.gps_lat, p.gps_lon) if p.gps_lat is not None else None,
                              p.phash or "") for p in verification.photos],
        other_photos=other_photos(verification, settings.phash_max_distance),
        interviews=[[r.value for r in i.ratings] for i in verification.interviews],
        min_interviews=settings.min_interviews)
    return visit, FlagSettings(**settings.flag_thresholds())


def store_flags(verification: Verification) -> list[Flag]:
    """Compute the flags for a just-submitted verification and attach them."""
    visit, settings = evidence_of(verification)
    flags = [Flag(verification_id=verification.id, code=f.code,
                  figures=json.dumps(f.figures, ensure_ascii=False, default=str))
             for f in compute_flags(visit, settings)]
    db.session.add_all(flags)
    db.session.flush()
    # A new visit has no other flags: the collection is these, without asking the database for it.
    set_committed_value(verification, "flags", flags)
    return flags
