"""Day routes computed when assignments change and stored (route_stop), read by the pages.

`replan` runs the pure planner (haversine to choose, geodesic for the legs) for some examiners of
a cycle and stores their stops; `stored_routes` reads them back for pages in a fixed number of
statements. A returned visit is planned again by the return itself; an open task found without a
stop otherwise (a bulk load) is planned by the organizer's routes or assign page, and the examiner's
task list shows it, unplanned, without writing anything.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Unit
from ..cycles.models import Cycle
from ..cycles.settings import settings_of
from ..extensions import db
from ..places.models import Place
from ..reports.models import Claim, Report
from .models import RouteStop, Task
from .plan import Route, day_routes
from .site import PARENT, TASK_SITE, site_of, where_label, with_site

OPEN = ("assigned", "returned")


def open_tasks(cycle_id: int, examiner_ids: Iterable[int]) -> list[Task]:
    ids = sorted(set(examiner_ids))
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(Task).join(Claim).join(Report)
        .where(Report.cycle_id == cycle_id, Task.examiner_id.in_(ids), Task.state.in_(OPEN))
        .options(*TASK_SITE).order_by(Task.id)))


def open_task_counts(cycle: Cycle) -> dict[int, int]:
    """Open tasks per examiner id in the cycle, counted by the database."""
    return dict(db.session.execute(
        sa.select(Task.examiner_id, sa.func.count()).join(Claim).join(Report)
        .where(Report.cycle_id == cycle.id, Task.state.in_(OPEN), Task.examiner_id.is_not(None))
        .group_by(Task.examiner_id)).all())


def replan(cycle: Cycle, examiner_ids: Iterable[int]) -> None:
    """Recompute and store the day routes of these examiners' open tasks in the cycle."""
    ids = sorted({i for i in examiner_ids if i is not None})
    if not ids:
        return
    db.session.flush()
    radius = settings_of(cycle).max_route_km
    tasks = open_tasks(cycle.id, ids)
    db.session.execute(sa.delete(RouteStop).where(RouteStop.cycle_id == cycle.id, RouteStop.examiner_id.in_(ids)))
    # A task planned in another examiner's routes before it was reassigned.
    if tasks:
        db.session.execute(sa.delete(RouteStop).where(RouteStop.task_id.in_([t.id for t in tasks])))
    rows = []
    for examiner_id in ids:
        mine = [t for t in tasks if t.examiner_id == examiner_id]
        if not mine:
            continue
        for day, route in enumerate(day_routes([site_of(t) for t in mine], radius), start=1):
            rows.extend({"task_id": int(key), "cycle_id": cycle.id, "examiner_id": examiner_id, "day": day,
                         "position": position, "leg_km": leg}
                        for position, (key, leg) in enumerate(zip(route.stops, route.legs_km), start=1))
    if rows:
        db.session.execute(sa.insert(RouteStop), rows)


def unplanned_tasks(*columns) -> sa.Select:
    """`columns` of the open tasks with an examiner but no stored stop in that examiner's routes."""
    return (sa.select(*columns).select_from(Task)
            .outerjoin(RouteStop, sa.and_(RouteStop.task_id == Task.id, RouteStop.examiner_id == Task.examiner_id))
            .where(Task.state.in_(OPEN), Task.examiner_id.is_not(None), RouteStop.task_id.is_(None)))


def plan_missing(cycle_ids: list[int] | None, examiner_id: int | None = None) -> None:
    """Plan the open tasks found without a stop (a returned visit): one statement, a few more once."""
    unplanned = (unplanned_tasks(Report.cycle_id, Task.examiner_id).join(Claim, Claim.id == Task.claim_id)
                 .join(Report, Report.id == Claim.report_id).distinct())
    if cycle_ids is not None:
        unplanned = unplanned.where(Report.cycle_id.in_(cycle_ids))
    if examiner_id is not None:
        unplanned = unplanned.where(Task.examiner_id == examiner_id)
    missing = db.session.execute(unplanned).all()
    if missing:
        by_cycle: dict[int, set[int]] = {}
        for cycle_id, examiner in missing:
            by_cycle.setdefault(cycle_id, set()).add(examiner)
        try:
            with db.session.begin_nested():
                for cycle_id, examiners in sorted(by_cycle.items()):
                    replan(db.session.get(Cycle, cycle_id), examiners)
        except IntegrityError:
            pass  # a concurrent request planned the same routes first; theirs are read then


@dataclass(frozen=True)
class RouteTask:
    """What a route page shows of a stop's task."""

    id: int
    kind: str
    where: str  # the place with its parent, or the reporting unit when the claim names no place
    placed: bool
    public_id: str | None


def stored_routes(cycle_ids: Iterable[int] | None, examiner_id: int | None = None
                  ) -> dict[int, list[tuple[Route, list[RouteTask]]]]:
    """Per examiner id, the stored day routes of their open tasks (cycles in code order), with the tasks.

    Two statements of plain rows (no ORM object per stop), or a few more once when open tasks are found
    without a plan (then planned).
    """
    query = (with_site(sa.select(RouteStop.examiner_id, RouteStop.cycle_id, RouteStop.day, RouteStop.leg_km, Task.id,
                                 Task.kind, Claim.n, Report.slug, Cycle.code, Place.name, PARENT.name, Unit.name)
                       .join(Task, Task.id == RouteStop.task_id))
             .join(Cycle, Cycle.id == RouteStop.cycle_id)
             .where(Task.state.in_(OPEN), Task.examiner_id == RouteStop.examiner_id)
             .order_by(RouteStop.examiner_id, Cycle.code, RouteStop.day, RouteStop.position))
    if cycle_ids is not None:
        cycle_ids = list(cycle_ids)
        query = query.where(RouteStop.cycle_id.in_(cycle_ids))
    if examiner_id is not None:
        query = query.where(RouteStop.examiner_id == examiner_id)
    plan_missing(cycle_ids, examiner_id)
    plans: dict[int, list[tuple[Route, list[RouteTask]]]] = {}
    current: tuple[int, int, int] | None = None
    for examiner, cycle_id, day, leg_km, task_id, kind, n, slug, code, place, above, unit in db.session.execute(query):
        key = (examiner, cycle_id, day)
        if key != current:
            plans.setdefault(examiner, []).append((Route([], [], 0.0), []))
            current = key
        route, tasks = plans[examiner][-1]
        route.stops.append(str(task_id))
        route.legs_km.append(leg_km)
        tasks.append(RouteTask(task_id, kind, where_label(place, above, unit), place is not None, None if n is None else f"{code}/{slug}/{n}"))
    return {examiner: [(Route(r.stops, r.legs_km, math.fsum(r.legs_km)), ts) for r, ts in routes]
            for examiner, routes in plans.items()}
