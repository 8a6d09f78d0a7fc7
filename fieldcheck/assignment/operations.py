"""Assignment in the database: conflicts of interest, planned day routes, back-checks."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from flask_babel import gettext as _

from ..accounts.models import Unit, User
from ..audit.models import record
from ..cycles.models import Cycle
from ..cycles.settings import settings_of
from ..cycles.states import CYCLE
from ..cycles.states import can_assign as can_assign_in
from ..db import utcnow
from ..errors import OperationError
from ..extensions import db
from ..reports.models import Claim, Report
from .models import Task
from .states import TASK, can_assign
from .backcheck import backcheck_salt, disagreement, draw_backchecks, second_examiner
from .plan import Examiner, Plan, TaskSite, conflicts, plan_assignment
from .routing import replan
from .site import TASK_SITE, site_of


def related_units() -> dict[str, set[str]]:
    """Units sharing a non-empty group are related to each other."""
    groups: dict[str, set[str]] = {}
    for unit in db.session.scalars(sa.select(Unit)):
        if unit.group:
            groups.setdefault(unit.group, set()).add(unit.name)
    related: dict[str, set[str]] = {}
    for members in groups.values():
        for name in members:
            related.setdefault(name, set()).update(members - {name})
    return related


def examiner_of(user: User) -> Examiner:
    unit = db.session.get(Unit, user.unit_id) if user.unit_id else None
    return Examiner(user.username, unit.name if unit else None)


def has_conflict(user: User, claim: Claim) -> bool:
    """The person belongs to the claim's unit or to a unit the cycle marks as related."""
    if user.unit_id is None:
        return False
    place = claim.place
    lat, lon = place.wgs84() if place else (None, None)
    return conflicts(examiner_of(user), TaskSite("-", claim.report.unit.name, lat, lon), related_units())


def active_examiners() -> list[User]:
    users = db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.username))
    return [u for u in users if u.has_role("examiner")]


def cycle_tasks(cycle: Cycle, kind: str = "primary") -> list[Task]:
    """The cycle's tasks of one kind with everything a list of them shows, in one statement."""
    return list(db.session.scalars(sa.select(Task).join(Claim).join(Report)
                                   .where(Report.cycle_id == cycle.id, Task.kind == kind)
                                   .options(*TASK_SITE).order_by(Task.id)))


def tasks_of_claims(claim_ids: list[int]) -> list[Task]:
    """The primary tasks of these claims with their examiners, in one statement."""
    if not claim_ids:
        return []
    return list(db.session.scalars(sa.select(Task).where(Task.claim_id.in_(claim_ids), Task.kind == "primary")
                                   .options(joinedload(Task.examiner))))


def tasks_by_id(cycle: Cycle, task_ids: list[int]) -> list[Task]:
    """These tasks of the cycle (any other id is ignored), with claim, report and examiner, in id order."""
    if not task_ids:
        return []
    return list(db.session.scalars(
        sa.select(Task).join(Claim).join(Report).where(Report.cycle_id == cycle.id, Task.id.in_(task_ids),
                                                          Task.kind == "primary")
        .options(joinedload(Task.examiner), joinedload(Task.claim).joinedload(Claim.report).joinedload(Report.unit))
        .order_by(Task.id)))


def assign_task(task: Task, examiner: User | None, by: User | None = None, *, replan_routes: bool = True) -> None:
    """Give a sampled claim to an examiner (or take it back while nothing was submitted).

    The day routes of the examiners concerned are planned again and stored; a caller assigning
    many tasks passes replan_routes=False and calls `replan` once at the end.
    """
    cycle = task.claim.report.cycle
    if not can_assign_in(cycle):
        raise OperationError(_("Tasks are assigned after the draw and until fieldwork ends."), status=409)
    if not can_assign(task):
        raise OperationError(_("The task %(id)s already has a submission; it cannot be reassigned.",
                               id=task.claim.public_id), status=409)
    if examiner is not None:
        if not examiner.has_role("examiner") or not examiner.is_active:
            raise OperationError(_("%(name)s is not an examiner.", name=examiner.label))
        if has_conflict(examiner, task.claim):
            raise OperationError(_("%(name)s belongs to the unit that made the claim %(id)s.",
                                   name=examiner.label, id=task.claim.public_id))
    values: dict = {"examiner_id": getattr(examiner, "id", None),
                    "assigned_at": utcnow() if examiner is not None else None}
    if task.examiner_id != values["examiner_id"]:
        values.update(blind_qty=None, revealed_at=None)  # the count was the previous examiner's
    previous = task.examiner.username if task.examiner else None
    previous_id = task.examiner_id
    TASK.move(task, "assigned" if examiner is not None else "unassigned", "task.assign", task.claim.public_id,
              actor=by, before_data={"examiner": previous},
              after_data={"examiner": examiner.username if examiner else None}, **values)
    if examiner is not None and cycle.state == "sampled":
        CYCLE.move(cycle, "fieldwork", "cycle.fieldwork", cycle.code, actor=by)
    if replan_routes:
        replan(cycle, [previous_id, task.examiner_id])


def plan_and_assign(cycle: Cycle, by: User | None = None) -> Plan:
    """Assign every unassigned task: no conflicts, balanced loads, short day routes."""
    tasks = [t for t in cycle_tasks(cycle) if t.state in ("unassigned", "assigned")]
    users = {u.username: u for u in active_examiners()}
    if not users:
        raise OperationError(_("There is no examiner to assign."))
    current = {str(t.id): t.examiner.username for t in tasks if t.examiner and t.examiner.username in users}
    plan = plan_assignment([site_of(t) for t in tasks], [examiner_of(u) for u in users.values()],
                           related_units(), max_route_km=settings_of(cycle).max_route_km, current=current)
    by_id = {str(t.id): t for t in tasks}
    touched = set()
    for key, username in sorted(plan.assignments.items()):
        if key not in current:
            touched.update((by_id[key].examiner_id, users[username].id))
            assign_task(by_id[key], users[username], by, replan_routes=False)
    replan(cycle, touched)
    record("assignment.plan", "cycle", cycle.code, actor=by,
           after={"assigned": len(plan.assignments) - len(current), "unassignable": len(plan.unassignable)})
    return plan


def draw_cycle_backchecks(cycle: Cycle, seed: str, by: User | None = None) -> list[Task]:
    """Draw the back-check share of approved claims (tickets salted from the sample's seed) for second examiners."""
    if not can_assign_in(cycle):
        raise OperationError(_("Tasks are assigned after the draw and until fieldwork ends."), status=409)
    approved = [t for t in cycle_tasks(cycle) if t.state == "approved"]
    if not approved:
        raise OperationError(_("Nothing is approved yet: back-checks are drawn from approved verifications."))
    by_public_id = {t.claim.public_id: t for t in approved}
    salt = backcheck_salt(seed)
    chosen = draw_backchecks(by_public_id, seed, settings_of(cycle).backcheck_share)
    existing = {t.claim_id for t in cycle_tasks(cycle, "backcheck")}
    users = {u.username: u for u in active_examiners()}
    load = {name: 0 for name in users}
    for task in cycle_tasks(cycle) + cycle_tasks(cycle, "backcheck"):
        if task.examiner and task.examiner.username in load and task.state in ("assigned", "returned"):
            load[task.examiner.username] += 1
    examiners = [examiner_of(u) for u in users.values()]
    related = related_units()
    created = []
    for public_id, ticket in chosen:
        primary = by_public_id[public_id]
        if primary.claim_id in existing:
            continue
        second = second_examiner(primary.examiner.username, site_of(primary), examiners, related, load)
        if second is None:
            raise OperationError(_("No second examiner without a conflict is available for %(id)s.", id=public_id))
        load[second] += 1
        task = Task(claim_id=primary.claim_id, kind="backcheck", examiner=users[second], state="assigned",
                    assigned_at=utcnow())
        db.session.add(task)
        created.append(task)
        record("task.backcheck", "task", public_id, actor=by, before=None,
               after={"examiner": second, "salt": salt, "ticket": f"{ticket:064x}"})
    db.session.flush()
    replan(cycle, {t.examiner_id for t in created})
    return created


def counterpart_disagreement(task: Task) -> tuple[str | None, object]:
    """For a verification's task, the disagreement code with the other visit of the same claim, if any."""
    other_kind = "primary" if task.kind == "backcheck" else "backcheck"
    other = db.session.scalar(sa.select(Task).where(Task.claim_id == task.claim_id, Task.kind == other_kind))
    if other is None or other.latest is None or task.latest is None or other.state not in (
            "submitted", "approved", "returned", "rejected"):
        return None, other
    mine, theirs = task.latest, other.latest
    return disagreement(mine.finding, theirs.finding, mine.observed_qty, theirs.observed_qty), other


def end_fieldwork(cycle: Cycle, reason: str, by=None) -> None:
    """Stop taking visits: the cycle moves to review.

    Without a reason only when every drawn claim's visit is decided (approved or rejected); ending it
    earlier needs a reason, kept on the record.
    """
    reason = reason.strip()
    undecided = db.session.scalar(
        sa.select(sa.func.count()).select_from(Task).join(Claim, Claim.id == Task.claim_id)
        .join(Report, Report.id == Claim.report_id)
        .where(Report.cycle_id == cycle.id, Task.kind == "primary", Task.state.not_in(("approved", "rejected"))))
    if not reason and undecided:
        raise OperationError(_("%(n)d drawn claims are not decided yet: say why fieldwork ends now.", n=undecided))
    CYCLE.move(cycle, "review", "cycle.review", cycle.code, actor=by,
               after_data={"reason": reason[:500], "undecided": undecided})
