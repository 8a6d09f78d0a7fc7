"""Rectification: the items a report's findings call for, the unit's work on them, the organizer's sign-off,
the reminder talk (next year's carry-over is in carry.py).

Operations check, change and flush; the request (or the command) commits. Every change is audited.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, subqueryload

from ..accounts.models import User
from ..assignment.models import Task
from ..audit.models import record
from ..cycles.defaults import TIME_ZONE
from ..cycles.models import Cycle
from ..errors import OperationError
from ..evidence.models import Flag
from ..extensions import db
from ..field.models import Verification
from ..field.operations import save_photo
from ..reports.models import Claim, Feedback, Report
from ..review.models import Review
from ..db import utcnow
from .models import RectificationItem, ReminderTalk, rectification_photo
from .rules import Finding, new_findings, status_of, talk_required
from .states import ITEM, may_move

NOT_VERIFIED = ("partly", "not_verified", "site_not_found")
MAX_PHOTOS = 10


def today_for(cycle: Cycle) -> date:
    """Today in the cycle's own time zone (deadlines are calendar days there)."""
    try:
        zone = ZoneInfo(cycle.time_zone or TIME_ZONE)
    except (KeyError, ValueError):
        zone = ZoneInfo(TIME_ZONE)
    return datetime.now(zone).date()


def item_status(item: RectificationItem, today: date) -> str:
    done_on = item.done_at.date() if item.done_at else None
    return status_of(item.state, item.deadline, today, done_on)


def state_msgid(state: str) -> str:
    """The msgid of an item state or status as shown (translated at run time; see dynamic.pot)."""
    return f"rect_{state}"


def item_label(item: RectificationItem) -> str:
    return f"{item.report.cycle.code}/{item.report.slug}#{item.id}"


def parse_deadline(value) -> date | None:
    """A deadline typed as YYYY-MM-DD, or none."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise OperationError(_("The deadline must be a date written as YYYY-MM-DD.")) from None
    if not (2000 <= day.year <= 2100):
        raise OperationError(_("The deadline must be a date written as YYYY-MM-DD."))
    return day


def clean(value, limit: int, what: str, required: bool = False) -> str:
    """A text field without control characters, within its limit (refused, never cut)."""
    text = str(value or "").replace("\r\n", "\n").strip()
    if any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in text):
        raise OperationError(_("%(what)s contains characters that cannot be stored.", what=what))
    if len(text) > limit:
        raise OperationError(_("%(what)s may be at most %(n)d characters.", what=what, n=limit))
    if required and not text:
        raise OperationError(_("%(what)s is required.", what=what))
    return text


# ---------------------------------------------------------------- findings

def findings_of(report: Report) -> list[Finding]:
    """The assessment's findings on a report, each a future item saying where it came from.

    - a drawn claim whose approved visit found it only partly, not verified, or the site not found;
      once the cycle is closed also a drawn claim without an approved visit (rejected, not visited);
    - an evidence flag on a visit the reviewer rejected (the reviewer confirmed the warning);
    - a public lead the organizer marked as confirmed;
    - a reviewer's written note on a decided visit (without the reviewer's name).
    """
    cycle = report.cycle
    code = cycle.code
    found: list[Finding] = []
    rows = db.session.execute(
        sa.select(Claim.id, Claim.n, Claim.text, Task.state, Verification.finding)
        .select_from(Task).join(Claim, Claim.id == Task.claim_id)
        .outerjoin(Verification, Verification.id == Task.latest_verification_id)
        .where(Claim.report_id == report.id, Task.kind == "primary").order_by(Claim.n, Claim.id))
    for claim_id, n, text, state, finding in rows:
        label = f"{code}/{report.slug}/{n}"
        if state == "approved" and finding in NOT_VERIFIED:
            found.append(Finding("claim", f"claim:{claim_id}", label, finding, text))
        elif state != "approved" and cycle.state == "closed":
            found.append(Finding("claim", f"claim:{claim_id}", label,
                                 "rejected" if state == "rejected" else "not_visited", text))
    flags = db.session.execute(
        sa.select(Flag.id, Flag.code, Claim.n, Claim.text).select_from(Flag)
        .join(Verification, Verification.id == Flag.verification_id)
        .join(Review, sa.and_(Review.verification_id == Verification.id, Review.decision == "reject"))
        .join(Task, Task.id == Verification.task_id).join(Claim, Claim.id == Task.claim_id)
        .where(Claim.report_id == report.id).distinct().order_by(Flag.id))
    for flag_id, flag_code, n, text in flags:
        found.append(Finding("flag", f"flag:{flag_id}", f"{code}/{report.slug}/{n}", flag_code, text))
    leads = db.session.execute(
        sa.select(Feedback.id, Feedback.text, Claim.n).join(Claim, Claim.id == Feedback.claim_id)
        .where(Claim.report_id == report.id, Feedback.status == "confirmed").order_by(Feedback.id))
    for lead_id, text, n in leads:
        found.append(Finding("lead", f"lead:{lead_id}", f"{code}/{report.slug}/{n}", "lead", text))
    notes = db.session.execute(
        sa.select(Review.id, Review.reason, Claim.n).select_from(Review)
        .join(Verification, Verification.id == Review.verification_id)
        .join(Task, Task.id == Verification.task_id).join(Claim, Claim.id == Task.claim_id)
        .where(Claim.report_id == report.id, Review.decision.in_(("approve", "reject")), Review.reason != "")
        .order_by(Review.id))
    for review_id, reason, n in notes:
        found.append(Finding("note", f"note:{review_id}", f"{code}/{report.slug}/{n}", "note", reason))
    return found


def generate_items(report: Report, by: User | None = None, deadline: date | None = None) -> list[RectificationItem]:
    """Add an item for each finding not yet on the report's list (running it twice adds nothing)."""
    existing = set(db.session.scalars(sa.select(RectificationItem.source_key).where(
        RectificationItem.report_id == report.id, RectificationItem.source_key.is_not(None))))
    added = []
    for f in new_findings(findings_of(report), existing):
        item = RectificationItem(report_id=report.id, source=f.source, source_key=f.key, source_label=f.label,
                                 finding=f.finding, problem=f.problem[:2000], deadline=deadline)
        db.session.add(item)
        added.append(item)
    db.session.flush()
    if added:
        record("rectification.generate", "report", f"{report.cycle.code}/{report.slug}", actor=by,
               after={"added": [i.source_key for i in added], "deadline": deadline})
    return added


def generate_cycle(cycle: Cycle, by: User | None = None, deadline: date | None = None) -> int:
    return sum(len(generate_items(report, by, deadline)) for report in cycle.reports)


# ---------------------------------------------------------------- the items

def add_item(report: Report, by: User | None, problem, measure="", responsible="", deadline=None) -> RectificationItem:
    """An item the unit (or the organizer) adds to the list itself."""
    item = RectificationItem(
        report_id=report.id, source="unit", source_key=None, source_label="", finding="unit",
        problem=clean(problem, 2000, _("The problem"), required=True), measure=clean(measure, 2000, _("The measure")),
        responsible=clean(responsible, 100, _("The person responsible")), deadline=parse_deadline(deadline))
    db.session.add(item)
    db.session.flush()
    record("rectification.add", "rectification_item", f"{report.cycle.code}/{report.slug}#{item.id}", actor=by,
           after={"problem": item.problem, "deadline": item.deadline})
    return item


def update_item(item: RectificationItem, by: User, form: dict, photo: bytes | None = None) -> RectificationItem:
    """The measure, who is responsible, the progress (and the deadline: the organizer's, or the unit's on its
    own items), with an optional evidence photo. All of it or nothing."""
    organizer = by.has_role("organizer")
    if item.state == "signed_off":
        raise OperationError(_("This item is signed off; an organizer must reopen it first."), status=409)
    before = {k: getattr(item, k) for k in ("problem", "measure", "responsible", "progress", "deadline")}
    values = {"measure": clean(form.get("measure"), 2000, _("The measure")),
              "responsible": clean(form.get("responsible"), 100, _("The person responsible")),
              "progress": clean(form.get("progress"), 2000, _("The progress"))}
    if item.source == "unit" and "problem" in form:
        values["problem"] = clean(form.get("problem"), 2000, _("The problem"), required=True)
    if "deadline" in form and (organizer or item.source == "unit"):
        values["deadline"] = parse_deadline(form.get("deadline"))
    stored = None
    if photo:
        if len(item.photos) >= MAX_PHOTOS:
            raise OperationError(_("An item takes at most %(n)d photos.", n=MAX_PHOTOS))
        stored = save_photo(photo, by)
    for key, value in values.items():
        setattr(item, key, value)
    if stored is not None and stored.id not in {p.id for p in item.photos}:
        db.session.execute(rectification_photo.insert().values(item_id=item.id, photo_id=stored.id))
    db.session.flush()
    after = {k: getattr(item, k) for k in before}
    if stored is not None:
        after["photo"] = stored.sha256
    record("rectification.update", "rectification_item", item_label(item), actor=by, before=before, after=after)
    db.session.expire(item, ["photos"])
    return item


def move_item(item: RectificationItem, after: str, by: User) -> RectificationItem:
    """Start, finish, sign off, send back or reopen an item, as the state table and the person's role allow."""
    organizer = by.has_role("organizer")
    if after not in ITEM.states or not may_move(item.state, after, organizer=organizer):
        if after == "signed_off" and not organizer:
            raise OperationError(_("Only an organizer signs off an item."), status=403, code="forbidden")
        raise OperationError(_("This cannot be done now: %(entity)s is %(before)s.",
                               entity=_("rectification_item"), before=_(state_msgid(item.state))), status=409,
                             code="illegal_transition")
    if after == "done" and not item.measure:
        raise OperationError(_("Write the measure taken before marking the item done."))
    now = utcnow()
    values = {}
    if after == "done":
        values["done_at"] = now
    elif after == "signed_off":
        values.update(signed_off_at=now, signed_off_by_id=by.id)
    else:
        values.update(signed_off_at=None, signed_off_by_id=None)
        if after in ("in_progress", "open"):
            values["done_at"] = None
    ITEM.move(item, after, f"rectification.{after}", item_label(item), actor=by, **values)
    db.session.refresh(item)
    return item


# ---------------------------------------------------------------- the talk

def ensure_talk(report: Report, grade: str | None, by: User | None = None) -> ReminderTalk | None:
    """The hook grading calls when a grade is decided: 一般 and 差 call for a reminder talk (created once)."""
    if not talk_required(grade):
        return None
    talk = db.session.scalar(sa.select(ReminderTalk).where(ReminderTalk.report_id == report.id))
    if talk is None:
        talk = ReminderTalk(report_id=report.id, grade=grade)
        db.session.add(talk)
        db.session.flush()
        record("talk.create", "report", f"{report.cycle.code}/{report.slug}", actor=by, after={"grade": grade})
    return talk


def talk_of(report: Report) -> ReminderTalk | None:
    return db.session.scalar(sa.select(ReminderTalk).where(ReminderTalk.report_id == report.id))


def update_talk(report: Report, by: User, held_on, held_by, record_text) -> ReminderTalk:
    talk = talk_of(report)
    if talk is None:
        raise OperationError(_("No reminder talk is called for: the report is not graded 一般 or 差."), status=409)
    before = {"held_on": talk.held_on, "held_by": talk.held_by, "record": talk.record}
    talk.held_on = parse_deadline(held_on) if str(held_on or "").strip() else None
    talk.held_by = clean(held_by, 100, _("Who holds the talk"))
    talk.record = clean(record_text, 10000, _("The record of the talk"))
    db.session.flush()
    record("talk.update", "report", f"{report.cycle.code}/{report.slug}", actor=by, before=before,
           after={"held_on": talk.held_on, "held_by": talk.held_by, "record": talk.record})
    return talk


def confirm_lead(lead: Feedback, by: User) -> Feedback:
    """The organizer confirms a public lead: it becomes a finding of the report."""
    if lead.status == "confirmed":
        raise OperationError(_("This lead is already confirmed."), status=409)
    before = lead.status
    lead.status = "confirmed"
    db.session.flush()
    record("lead.confirm", "feedback", lead.id, actor=by, before={"status": before}, after={"status": "confirmed"})
    return lead


# ---------------------------------------------------------------- lists

def cycle_items(cycle: Cycle, unit: str | None = None, overdue: bool = False) -> list[dict]:
    """Every item of a cycle (or of one unit), with its computed status: one statement."""
    query = (sa.select(RectificationItem).join(Report, Report.id == RectificationItem.report_id)
             .where(Report.cycle_id == cycle.id)
             .options(joinedload(RectificationItem.report).joinedload(Report.unit))
             .order_by(Report.slug, RectificationItem.id))
    if unit:
        from ..accounts.models import Unit
        query = query.join(Unit, Unit.id == Report.unit_id).where(Unit.name == unit)
    today = today_for(cycle)
    rows = []
    for item in db.session.scalars(query).unique():
        status = item_status(item, today)
        if overdue and status != "overdue":
            continue
        rows.append({"id": item.id, "cycle": cycle.code, "report": item.report.slug, "unit": item.report.unit.name,
                     "source": item.source, "from": item.source_label, "finding": item.finding,
                     "problem": item.problem, "measure": item.measure, "responsible": item.responsible,
                     "deadline": item.deadline.isoformat() if item.deadline else None, "state": item.state,
                     "status": status, "signed_off": item.state == "signed_off"})
    return rows


def report_items(report: Report) -> list[RectificationItem]:
    return list(db.session.scalars(sa.select(RectificationItem).where(RectificationItem.report_id == report.id)
                                   .options(subqueryload(RectificationItem.photos))
                                   .order_by(RectificationItem.id)))


def item_counts(cycle: Cycle) -> dict[int, int]:
    """Items per report id (the grade table's `rectification_items`): one grouped statement."""
    return dict(db.session.execute(
        sa.select(RectificationItem.report_id, sa.func.count()).join(Report, Report.id == RectificationItem.report_id)
        .where(Report.cycle_id == cycle.id).group_by(RectificationItem.report_id)).all())


def claim_outcomes(report: Report) -> list[dict]:
    """What the unit may see of its drawn claims: verified or not and why, nothing of who or of residents."""
    cycle = report.cycle
    out = []
    for n, text, state, finding in db.session.execute(
            sa.select(Claim.n, Claim.text, Task.state, Verification.finding)
            .select_from(Task).join(Claim, Claim.id == Task.claim_id)
            .outerjoin(Verification, Verification.id == Task.latest_verification_id)
            .where(Claim.report_id == report.id, Task.kind == "primary").order_by(Claim.n)):
        if state == "approved":
            outcome = finding
        elif cycle.state == "closed":
            outcome = "rejected" if state == "rejected" else "not_visited"
        else:
            outcome = "pending"
        out.append({"public_id": f"{cycle.code}/{report.slug}/{n}", "text": text, "outcome": outcome})
    return out


def report_leads(report: Report) -> list[Feedback]:
    return list(db.session.scalars(sa.select(Feedback).join(Claim, Claim.id == Feedback.claim_id)
                                   .where(Claim.report_id == report.id).options(joinedload(Feedback.claim))
                                   .order_by(Feedback.id)))


def unit_reports(user: User) -> list[tuple[Report, int, int]]:
    """The unit's reports in every cycle, with their item and overdue counts (two statements)."""
    reports = list(db.session.scalars(sa.select(Report).where(Report.unit_id == user.unit_id)
                                      .options(joinedload(Report.cycle)).order_by(Report.id.desc())))
    items = db.session.execute(sa.select(RectificationItem.report_id, RectificationItem.state,
                                         RectificationItem.deadline, RectificationItem.done_at)
                               .join(Report, Report.id == RectificationItem.report_id)
                               .where(Report.unit_id == user.unit_id)).all()
    out = []
    for report in reports:
        today = today_for(report.cycle)
        mine = [i for i in items if i.report_id == report.id]
        overdue = sum(status_of(i.state, i.deadline, today, i.done_at.date() if i.done_at else None) == "overdue"
                      for i in mine)
        out.append((report, len(mine), overdue))
    return out


# The grade is decided in grading/, which sits above this area (it calls `ensure_talk`); the unit's page
# reads it by its table, the one place this area looks at grading's data.
GRADE_DECISION = sa.table("grade_decision", sa.column("report_id"), sa.column("grade"))


def grade_of(report: Report) -> str | None:
    return db.session.scalar(sa.select(GRADE_DECISION.c.grade).where(GRADE_DECISION.c.report_id == report.id))
