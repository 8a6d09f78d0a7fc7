"""The review queue in a fixed number of SQL statements, whatever its length.

One statement reads a page of the queue (keyset on the verification id: ids grow with submission,
so the oldest comes first), one finds the next item after a given one, and three aggregates count
the queue by each filter (warnings and ages; flag codes; examiner × report × aspect, summed here).
Each task names its latest visit (Task.latest_verification_id), so older visits are never read. The rules of `field.access.may_review` are written here as
SQL: never a claim the reviewer visited (first visit or back-check), never a claim of their own unit
or of a unit in the same group. `tests/test_access.py` checks the two agree.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from ..accounts.models import Unit, User
from ..assignment.models import Task
from ..audit.models import AuditHead
from ..cycles.models import Aspect, Cycle
from ..db import utcnow
from ..evidence.models import Flag
from ..extensions import db
from ..field.models import Verification
from ..reports.models import Claim, Report
from .models import PROPOSED_REJECTION, Review

PAGE_SIZE = 50
COUNTS_KEPT = 256  # reviewers' counts kept per process (least recently used dropped first)
AGES = (1, 3, 7)  # "waiting longer than N days" filters
QTY_TOLERANCE = 0.1  # as assignment.backcheck.disagreement


@dataclass(frozen=True)
class Filters:
    flag: str = ""  # a flag code, "none" (no warning) or "" (any)
    examiner: int | None = None
    report: int | None = None
    aspect: int | None = None
    age: int | None = None  # days waiting, at least
    disagree: bool = False
    pending: bool = False  # rejections waiting for a second reviewer

    @classmethod
    def from_args(cls, args) -> Filters:
        def number(name):
            value = args.get(name, "")
            return int(value) if value.isdigit() and len(value) < 10 else None
        age = number("age")
        return cls(flag=args.get("flag", "")[:32], examiner=number("examiner"), report=number("report"),
                   aspect=number("aspect"), age=age if age in AGES else None,
                   disagree=args.get("disagree") == "1", pending=args.get("pending") == "1")

    def args(self) -> dict[str, str]:
        """The filters as URL query arguments (only those set)."""
        out = {"flag": self.flag, "examiner": self.examiner, "report": self.report, "aspect": self.aspect,
               "age": self.age, "disagree": "1" if self.disagree else "", "pending": "1" if self.pending else ""}
        return {k: str(v) for k, v in out.items() if v not in (None, "")}

    @property
    def any(self) -> bool:
        return bool(self.args())


@dataclass
class QueueRow:
    verification_id: int
    task_id: int
    kind: str
    public_id: str
    claim_text: str
    finding: str
    submitted_at: datetime
    examiner: str
    report: str
    aspect_zh: str
    aspect_en: str
    flags: int
    disagree: bool
    pending: bool


@dataclass
class Counts:
    total: int = 0
    flags: dict[str, int] = field(default_factory=dict)
    no_flag: int = 0
    examiners: list[tuple[int, str, int]] = field(default_factory=list)
    reports: list[tuple[int, str, int]] = field(default_factory=list)
    aspects: list[tuple[int, str, str, int]] = field(default_factory=list)
    ages: dict[int, int] = field(default_factory=dict)
    disagree: int = 0
    pending: int = 0


def _disagreement():
    """SQL true when the other visit of the same claim has a decided or waiting result that disagrees."""
    other_task = aliased(Task)
    other = aliased(Verification)
    larger = sa.case((sa.func.abs(Verification.observed_qty) > sa.func.abs(other.observed_qty),
                      sa.func.abs(Verification.observed_qty)), else_=sa.func.abs(other.observed_qty))
    return sa.exists().where(
        other_task.claim_id == Task.claim_id, other_task.kind != Task.kind,
        other_task.state.in_(("submitted", "approved", "returned", "rejected")),
        other.id == other_task.latest_verification_id,
        sa.or_(other.finding != Verification.finding,
               sa.and_(other.observed_qty.is_not(None), Verification.observed_qty.is_not(None),
                       sa.func.abs(other.observed_qty - Verification.observed_qty) > QTY_TOLERANCE * larger)))


def _pending():
    """SQL true when the verification's last review is a proposed rejection."""
    earlier = aliased(Review)
    last = (sa.select(sa.func.max(earlier.id)).where(earlier.verification_id == Verification.id)
            .correlate(Verification).scalar_subquery())
    return sa.exists().where(Review.id == last, Review.decision == PROPOSED_REJECTION)


def _base(has_unit: bool, has_group: bool):
    """WHERE clauses of a reviewer's queue: submitted tasks' latest visits the reviewer may decide.

    The reviewer comes in as bound parameters (`_params`), so that a built statement serves every reviewer.
    """
    own_visit = aliased(Verification)
    own_task = aliased(Task)
    reviewer_id = sa.bindparam("reviewer_id")
    clauses = [
        Task.state == "submitted",
        # The claims the reviewer visited: a small set, found once through the examiner index.
        Task.claim_id.not_in(sa.select(own_task.claim_id).join(own_visit, own_visit.task_id == own_task.id)
                             .where(own_visit.examiner_id == reviewer_id)),
        # A reviewer who proposed a rejection waits for someone else's confirmation.
        ~sa.exists().where(Review.verification_id == Verification.id, Review.reviewer_id == reviewer_id,
                           Review.decision == PROPOSED_REJECTION),
    ]
    if has_unit:
        clauses.append(Report.unit_id != sa.bindparam("unit_id"))
        if has_group:
            clauses.append(~sa.exists().where(Unit.id == Report.unit_id, Unit.group == sa.bindparam("unit_group")))
    return clauses


def _joined(*columns):
    """Each task with the visit it names as its latest (so older visits are never read)."""
    return (sa.select(*columns).select_from(Task).join(Verification, Verification.id == Task.latest_verification_id)
            .join(Claim, Task.claim_id == Claim.id).join(Report, Claim.report_id == Report.id))


def _filtered(shape: tuple):
    """WHERE clauses of the filters whose shape (`_shape`) is given; their values are bound parameters."""
    flag, examiner, report, aspect, age, disagree, pending = shape
    clauses = []
    if flag == "none":
        clauses.append(~sa.exists().where(Flag.verification_id == Verification.id))
    elif flag:
        clauses.append(sa.exists().where(Flag.verification_id == Verification.id,
                                         Flag.code == sa.bindparam("flag_code")))
    if examiner:
        clauses.append(Verification.examiner_id == sa.bindparam("examiner_id"))
    if report:
        clauses.append(Claim.report_id == sa.bindparam("report_id"))
    if aspect:
        clauses.append(Claim.aspect_id == sa.bindparam("aspect_id"))
    if age:
        clauses.append(Verification.submitted_at <= sa.bindparam("waited_since"))
    if disagree:
        clauses.append(_disagreement())
    if pending:
        clauses.append(_pending())
    return clauses


def _shape(filters: Filters) -> tuple:
    """Which filters are set (not their values): the part of a queue statement that changes its SQL."""
    flag = "none" if filters.flag == "none" else "code" if filters.flag else ""
    return (flag, filters.examiner is not None, filters.report is not None, filters.aspect is not None,
            filters.age is not None, filters.disagree, filters.pending)


def _params(reviewer: User, group: str, filters: Filters, now: datetime) -> dict:
    """The values of a queue statement's bound parameters."""
    return {"reviewer_id": reviewer.id, "unit_id": reviewer.unit_id, "unit_group": group,
            "flag_code": filters.flag, "examiner_id": filters.examiner, "report_id": filters.report,
            "aspect_id": filters.aspect,
            "waited_since": now - timedelta(days=filters.age) if filters.age is not None else now}


def _unit_group(reviewer: User) -> str:
    if reviewer.unit_id is None:
        return ""
    return db.session.scalar(sa.select(Unit.group).where(Unit.id == reviewer.unit_id)) or ""


@lru_cache(maxsize=256)
def _page_statement(has_unit: bool, has_group: bool, shape: tuple, paged: bool, size: int):
    """A page of the queue as a statement, built once per shape: building it per request cost more than
    running it."""
    flag_count = (sa.select(sa.func.count(Flag.id)).where(Flag.verification_id == Verification.id)
                  .scalar_subquery())
    query = (_joined(Verification.id, Task.id, Task.kind, Cycle.code, Report.slug, Claim.n, Claim.text,
                     Verification.finding, Verification.submitted_at, User.username, User.display_name,
                     Report.title, Aspect.name_zh, Aspect.name_en, flag_count, _disagreement(), _pending())
             .join(Cycle, Report.cycle_id == Cycle.id).join(Aspect, Claim.aspect_id == Aspect.id)
             .join(User, Verification.examiner_id == User.id)
             .where(*_base(has_unit, has_group), *_filtered(shape)))
    if paged:
        query = query.where(Verification.id > sa.bindparam("after"))
    return query.order_by(Verification.id).limit(size + 1)


def queue_page(reviewer: User, filters: Filters, after: int | None = None,
               size: int = PAGE_SIZE) -> tuple[list[QueueRow], int | None]:
    """A page of the queue, oldest first, and the keyset of the next page (None on the last)."""
    group = _unit_group(reviewer)
    statement = _page_statement(reviewer.unit_id is not None, bool(group), _shape(filters), after is not None, size)
    rows = db.session.execute(statement, {**_params(reviewer, group, filters, utcnow()), "after": after}).all()
    items = [QueueRow(r[0], r[1], r[2], f"{r[3]}/{r[4]}/{r[5]}", r[6], r[7], r[8], r[10] or r[9], r[11], r[12],
                      r[13], int(r[14]), bool(r[15]), bool(r[16])) for r in rows[:size]]
    return items, (items[-1].verification_id if len(rows) > size else None)


def next_in_queue(reviewer: User, filters: Filters, after: int) -> int | None:
    """The verification after `after` in the reviewer's filtered queue (wrapping to the oldest), if any."""
    group = _unit_group(reviewer)
    later = sa.case((Verification.id > after, 0), else_=1)
    return db.session.scalar(
        _joined(Verification.id).where(*_base(reviewer.unit_id is not None, bool(group)),
                                       *_filtered(_shape(filters)), Verification.id != after)
        .order_by(later, Verification.id).limit(1), _params(reviewer, group, filters, utcnow()))


def queue_version() -> tuple:
    """What the counts depend on, in one statement: the audit chain's head (every submit, decision,
    return and reassignment is audited in its own transaction), and the newest visit and review ids
    (rows written without an audit event, as bulk loads do, change these)."""
    return tuple(db.session.execute(sa.select(
        sa.select(sa.func.max(AuditHead.seq)).scalar_subquery(),
        sa.select(sa.func.max(Verification.id)).scalar_subquery(),
        sa.select(sa.func.max(Review.id)).scalar_subquery())).one())


def queue_counts(reviewer: User) -> Counts:
    """How many items of the reviewer's whole queue each filter would show.

    Counting reads the whole queue (three grouped statements), so the result is kept per reviewer and
    data version, and the minute (the age filters move with the clock): a reviewer paging or coming
    back to the queue while nothing changed pays one small statement instead.
    """
    now = utcnow()
    key = (reviewer.id, reviewer.unit_id, queue_version(), now.replace(second=0, microsecond=0))
    kept = current_app.extensions.setdefault("fieldcheck.review_counts", (OrderedDict(), threading.Lock()))
    cache, lock = kept
    with lock:
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
    counts = _count(reviewer, now)
    with lock:
        cache[key] = counts
        while len(cache) > COUNTS_KEPT:
            cache.popitem(last=False)
    return counts


def _count(reviewer: User, now: datetime) -> Counts:
    group = _unit_group(reviewer)
    base = _base(reviewer.unit_id is not None, bool(group))
    params = _params(reviewer, group, Filters(), now)
    counts = Counts()
    age_columns = [sa.func.coalesce(sa.func.sum(sa.case(
        (Verification.submitted_at <= now - timedelta(days=days), 1), else_=0)), 0) for days in AGES]
    flagged = sa.exists().where(Flag.verification_id == Verification.id)
    summary = db.session.execute(_joined(
        sa.func.count(Verification.id), *age_columns,
        sa.func.coalesce(sa.func.sum(sa.case((_disagreement(), 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((_pending(), 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((flagged, 0), else_=1)), 0)).where(*base), params).one()
    counts.total = int(summary[0])
    counts.ages = {days: int(summary[1 + i]) for i, days in enumerate(AGES)}
    counts.disagree, counts.pending, counts.no_flag = (int(x) for x in summary[1 + len(AGES):])
    counts.flags = {code: int(n) for code, n in db.session.execute(
        _joined(Flag.code, sa.func.count(sa.distinct(Verification.id)))
        .join(Flag, Flag.verification_id == Verification.id).where(*base).group_by(Flag.code), params)}
    # Examiners, reports and aspects from one grouped pass over the queue (three passes before).
    examiners: dict[int, list] = {}
    reports: dict[int, list] = {}
    aspects: dict[int, list] = {}
    for uid, name, display, rid, title, aid, zh, en, n in db.session.execute(
            _joined(User.id, User.username, User.display_name, Report.id, Report.title, Aspect.id, Aspect.name_zh,
                    Aspect.name_en, sa.func.count(Verification.id))
            .join(User, Verification.examiner_id == User.id).join(Aspect, Claim.aspect_id == Aspect.id).where(*base)
            .group_by(User.id, User.username, User.display_name, Report.id, Report.title, Aspect.id, Aspect.name_zh,
                      Aspect.name_en), params):
        examiners.setdefault(uid, [uid, display or name, 0, name])[2] += n
        reports.setdefault(rid, [rid, title, 0])[2] += n
        aspects.setdefault(aid, [aid, zh, en, 0])[3] += n
    counts.examiners = [(i, label, n) for i, label, n, _name in sorted(examiners.values(), key=lambda e: e[3])]
    counts.reports = [(i, title, n) for i, title, n in sorted(reports.values(), key=lambda r: (r[1], r[0]))]
    counts.aspects = [(i, zh, en, n) for i, zh, en, n in sorted(aspects.values(), key=lambda a: (a[1], a[0]))]
    return counts


def unflagged(reviewer: User, ids: list[int]) -> list[int]:
    """Of these verification ids, those in the reviewer's queue with no warning, no disagreement and no
    proposed rejection: the only ones bulk approval may take."""
    if not ids:
        return []
    group = _unit_group(reviewer)
    return list(db.session.scalars(_joined(Verification.id).where(
        *_base(reviewer.unit_id is not None, bool(group)), Verification.id.in_(ids[:500]),
        ~sa.exists().where(Flag.verification_id == Verification.id), ~_disagreement(), ~_pending())
        .order_by(Verification.id), _params(reviewer, group, Filters(), utcnow())))
