"""Loading a report or a claim from the URL: it must belong to the cycle (and report) named there."""

from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user

from ..access import deny, loads
from ..cycles.access import cycle_by_code, published_cycle
from ..extensions import db
from .draft_models import Drafting
from .models import Claim, Report


def report_in(cycle, slug: str) -> Report | None:
    if cycle is None:
        return None
    return db.session.scalar(sa.select(Report).where(Report.cycle_id == cycle.id, Report.slug == slug))


def claim_in(report: Report | None, claim_id: int) -> Claim | None:
    claim = db.session.get(Claim, claim_id) if report is not None else None
    return claim if claim is not None and claim.report_id == report.id else None


with_report = loads("report", lambda code, slug: report_in(cycle_by_code(code), slug), "code", "slug")
with_claim = loads("claim", lambda code, slug, claim_id: claim_in(report_in(cycle_by_code(code), slug), claim_id),
                   "code", "slug", "claim_id")
with_published_report = loads("report", lambda code, slug: report_in(published_cycle(code), slug), "code", "slug")


def published_claim(code: str, slug: str, n: int) -> Claim | None:
    """A confirmed claim of a published report, by its number (its public id's last part)."""
    report = report_in(published_cycle(code), slug)
    if report is None:
        return None
    return db.session.scalar(sa.select(Claim).where(Claim.report_id == report.id, Claim.n == n,
                                                    Claim.state == "confirmed"))


with_published_claim = loads("claim", published_claim, "code", "slug", "n")


def drafting_in(cycle, slug: str) -> Drafting | None:
    """A drafting of the cycle, for the office or for the contact of its own unit (403 for another unit's)."""
    if cycle is None:
        return None
    drafting = db.session.scalar(sa.select(Drafting).where(Drafting.cycle_id == cycle.id, Drafting.slug == slug))
    if drafting is not None and not may_see_drafting(drafting.unit_id):
        deny()
    return drafting


def may_see_drafting(unit_id: int) -> bool:
    """The organizer sees every drafting; a unit contact only its own unit's."""
    return current_user.has_role("organizer") or (current_user.has_role("unit") and current_user.unit_id == unit_id)


with_drafting = loads("drafting", lambda code, slug: drafting_in(cycle_by_code(code), slug), "code", "slug")
