"""Who may see a report's rectification: an organizer, or the contact of the report's own unit (403 otherwise).

A unit contact (role `unit`, `User.unit_id` set) sees its own unit's reports, items, talk and photos
and nothing of any other unit; the loaders below are the one place that rule lives.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from ..access import deny, loads
from ..cycles.access import cycle_by_code
from ..evidence.models import Photo
from ..extensions import db
from ..reports.access import report_in
from ..reports.models import Claim, Feedback, Report
from .models import CarriedItem, RectificationItem, rectification_photo


def may_see_report(user, report: Report) -> bool:
    if user.has_role("organizer"):
        return True
    return user.has_role("unit") and user.unit_id is not None and user.unit_id == report.unit_id


def own_report(code: str, slug: str) -> Report | None:
    report = report_in(cycle_by_code(code), slug)
    if report is not None and not may_see_report(current_user, report):
        deny()
    return report


def own_item(code: str, slug: str, item_id: int) -> RectificationItem | None:
    report = own_report(code, slug)
    item = db.session.get(RectificationItem, item_id) if report is not None else None
    return item if item is not None and item.report_id == report.id else None


def item_photo(code: str, slug: str, item_id: int, sha256: str) -> tuple[RectificationItem, Photo] | None:
    """A photo attached to this item (as evidence of completion), for those who may see the item."""
    item = own_item(code, slug, item_id)
    if item is None:
        return None
    photo = db.session.scalar(sa.select(Photo).join(rectification_photo, rectification_photo.c.photo_id == Photo.id)
                              .where(rectification_photo.c.item_id == item.id, Photo.sha256 == sha256))
    return (item, photo) if photo is not None else None


def report_lead(code: str, slug: str, lead_id: int) -> Feedback | None:
    report = own_report(code, slug)
    lead = db.session.get(Feedback, lead_id) if report is not None else None
    if lead is None or db.session.get(Claim, lead.claim_id).report_id != report.id:
        return None
    return lead


def carried_in(code: str, carried_id: int) -> CarriedItem | None:
    cycle = cycle_by_code(code)
    carried = db.session.get(CarriedItem, carried_id) if cycle is not None else None
    return carried if carried is not None and carried.cycle_id == cycle.id else None


with_own_report = loads("report", own_report, "code", "slug")
with_own_item = loads("item", own_item, "code", "slug", "item_id")
with_item_photo = loads("found", item_photo, "code", "slug", "item_id", "sha256")
with_report_lead = loads("lead", report_lead, "code", "slug", "lead_id")
with_carried = loads("carried", carried_in, "code", "carried_id")
