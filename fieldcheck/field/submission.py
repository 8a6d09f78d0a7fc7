"""Parsing an examiner's submission, from the HTML form or the page script's JSON alike."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from flask_babel import gettext as _

from ..errors import OperationError
from ..places.geo import CoordinateError, validate_lat_lon
from .models import FINDINGS, RESPONDENT_KINDS

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class InterviewInput:
    respondent: str
    ratings: dict[int, int]


@dataclass
class VerificationInput:
    client_uuid: str
    finding: str
    observed_qty: float | None = None
    notes: str = ""
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    started_at: datetime | None = None
    geo_at: datetime | None = None
    photo_sha256: list[str] = field(default_factory=list)
    interviews: list[InterviewInput] = field(default_factory=list)


def _number(value, message: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise OperationError(message)
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise OperationError(message) from None
    if not math.isfinite(number):
        raise OperationError(message)
    return number


def parse_client_uuid(value) -> str:
    try:
        return str(uuid.UUID(str(value or "")))
    except ValueError:
        raise OperationError(_("The submission has no valid identifier; reload the page.")) from None


def parse_location(lat, lon, accuracy) -> tuple[float | None, float | None, float | None]:
    """A browser geotag, or none at all; never half of one."""
    if (lat in (None, "")) and (lon in (None, "")):
        return None, None, None
    try:
        lat_f, lon_f = validate_lat_lon(lat, lon)
    except CoordinateError as exc:
        messages = {
            "lat_range": _("The latitude must lie between -90 and 90."),
            "lon_range": _("The longitude must lie between -180 and 180."),
        }
        raise OperationError(messages.get(exc.code, _("The location is not a valid number."))) from None
    acc = _number(accuracy, _("The location accuracy is not a valid number."))
    if acc is not None and acc < 0:
        raise OperationError(_("The location accuracy is not a valid number."))
    return lat_f, lon_f, acc


EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)


def parse_started_at(value) -> datetime | None:
    """A client timestamp (visit start, geolocation time), or None when absent or implausible."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        parsed = parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        return None  # a hint for the checks, not worth refusing a visit over
    # A phone's clock may be off, but not by years: such a value is dropped, not stored.
    if not EARLIEST <= parsed <= datetime.now(timezone.utc) + timedelta(days=1):
        return None
    return parsed


def parse_verification(data: dict, question_ids: list[int]) -> VerificationInput:
    """Validate a submission given as a dict (JSON body, or a form converted by `form_to_dict`)."""
    finding = data.get("finding")
    if finding not in FINDINGS:
        raise OperationError(_("Choose what you found on site."))
    observed = _number(data.get("observed_qty"), _("The observed quantity must be a number."))
    if observed is not None and observed < 0:
        raise OperationError(_("The observed quantity cannot be negative."))
    lat, lon, accuracy = parse_location(data.get("lat"), data.get("lon"), data.get("accuracy_m"))
    raw_shas = data.get("photo_sha256") or []
    if not isinstance(raw_shas, list) or not all(isinstance(s, str) for s in raw_shas):
        raise OperationError(_("A photo reference is malformed; upload the photo again."))
    shas = [s.lower() for s in raw_shas]
    if any(not SHA256_RE.match(s) for s in shas):
        raise OperationError(_("A photo reference is malformed; upload the photo again."))
    interviews = []
    raw_interviews = data.get("interviews") or []
    if not isinstance(raw_interviews, list) or not all(isinstance(i, dict) for i in raw_interviews):
        raise OperationError(_("The interviews could not be read; reload the page."))
    for i, item in enumerate(raw_interviews, start=1):
        respondent = item.get("respondent")
        raw = item.get("ratings") or {}
        if not isinstance(raw, dict):
            raise OperationError(_("Interview %(n)d: answer every question with a rating from 1 to 5.", n=i))
        if respondent not in RESPONDENT_KINDS and not raw:
            continue  # an untouched interview block on the plain form
        if respondent not in RESPONDENT_KINDS:
            raise OperationError(_("Interview %(n)d: say whether the respondent is a party member or a resident.", n=i))
        ratings = {}
        for qid in question_ids:
            value = raw.get(str(qid), raw.get(qid))
            try:
                if isinstance(value, bool) or not isinstance(value, (int, str)):
                    raise TypeError
                rating = int(value)
            except (TypeError, ValueError, OverflowError):
                raise OperationError(_("Interview %(n)d: answer every question with a rating from 1 to 5.", n=i)) from None
            if not 1 <= rating <= 5:
                raise OperationError(_("Interview %(n)d: answer every question with a rating from 1 to 5.", n=i))
            ratings[qid] = rating
        interviews.append(InterviewInput(respondent, ratings))
    notes = data.get("notes") or ""
    if not isinstance(notes, str):
        raise OperationError(_("The notes could not be read."))
    notes = notes.strip()
    if len(notes) > 5000:
        raise OperationError(_("The notes are too long (at most 5000 characters)."))
    return VerificationInput(
        client_uuid=parse_client_uuid(data.get("client_uuid")),
        finding=finding, observed_qty=observed, notes=notes, lat=lat, lon=lon, accuracy_m=accuracy,
        started_at=parse_started_at(data.get("started_at")), geo_at=parse_started_at(data.get("geo_at")),
        photo_sha256=list(dict.fromkeys(shas)),
        interviews=interviews,
    )


def form_to_dict(form, question_ids: list[int], max_interviews: int = 20) -> dict:
    """Turn the plain HTML form's flat fields into the same shape as the JSON body."""
    interviews = []
    for i in range(max_interviews):
        respondent = form.get(f"interview-{i}-respondent", "")
        ratings = {str(q): form.get(f"interview-{i}-q{q}") for q in question_ids
                   if form.get(f"interview-{i}-q{q}")}
        if respondent or ratings:
            interviews.append({"respondent": respondent or None, "ratings": ratings})
    return {
        "client_uuid": form.get("client_uuid"),
        "finding": form.get("finding"),
        "observed_qty": form.get("observed_qty"),
        "notes": form.get("notes"),
        "lat": form.get("lat"),
        "lon": form.get("lon"),
        "accuracy_m": form.get("accuracy_m"),
        "started_at": form.get("started_at"),
        "geo_at": form.get("geo_at"),
        "photo_sha256": form.getlist("photo_sha256"),
        "interviews": interviews,
    }
