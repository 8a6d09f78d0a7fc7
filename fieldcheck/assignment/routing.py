"""Day routes computed when assignments change and stored (route_stop), read by the pages.

`replan` runs the pure planner (haversine to choose, geodesic for the legs) for some examiners of
a cycle and stores their stops; `stored_routes` reads them back for pages in a fixed number of
statements. Tasks that became open again without a plan (a returned visit) are planned by the
first page that finds them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..cycles.models import Cycle
from ..cycles.settings import settings_of
from ..extensions import db
from ..reports.models import Claim, Report
from .models import RouteStop, Task
from .plan import Route, day_routes
from .site import TASK_SITE, site_of

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


def plan_missing(cycle_ids: list[int] | None, examiner_id: int | None = None) -> None:
    """Plan the open tasks found without a stop (a returned visit): one statement, a few more once."""
    unplanned = (sa.select(Report.cycle_id, Task.examiner_id).select_from(Task).join(Claim).join(Report)
                 .outerjoin(RouteStop, sa.and_(RouteStop.task_id == Task.id, RouteStop.examiner_id == Task.examiner_id))
                 .where(Task.state.in_(OPEN), Task.examiner_id.is_not(None), RouteStop.task_id.is_(None)).distinct())
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


def stored_routes(cycle_ids: Iterable[int] | None, examiner_id: int | None = None
                  ) -> dict[int, list[tuple[Route, list[Task]]]]:
    """Per examiner id, the stored day routes of their open tasks (cycles in code order), with the tasks.

    Two statements, or a few more once when open tasks are found without a plan (then planned).
    """
    query = (sa.select(RouteStop, Task).join(Task, Task.id == RouteStop.task_id)
             .join(Cycle, Cycle.id == RouteStop.cycle_id)
             .where(Task.state.in_(OPEN), Task.examiner_id == RouteStop.examiner_id)
             .options(*TASK_SITE).order_by(RouteStop.examiner_id, Cycle.code, RouteStop.day, RouteStop.position))
    if cycle_ids is not None:
        cycle_ids = list(cycle_ids)
        query = query.where(RouteStop.cycle_id.in_(cycle_ids))
    if examiner_id is not None:
        query = query.where(RouteStop.examiner_id == examiner_id)
    plan_missing(cycle_ids, examiner_id)
    plans: dict[int, list[tuple[Route, list[Task]]]] = {}
    current: tuple[int, int, int] | None = None
    for stop, task in db.session.execute(query):
        key = (stop.examiner_id, stop.cycle_id, stop.day)
        if key != current:
            plans.setdefault(stop.examiner_id, []).append((Route([], [], 0.0), []))
            current = key
        route, tasks = plans[stop.examiner_id][-1]
        route.stops.append(str(task.id))
        route.legs_km.append(stop.leg_km)
        tasks.append(task)
    return {examiner: [(Route(r.stops, r.legs_km, math.fsum(r.legs_km)), ts) for r, ts in routes]
            for examiner, routes in plans.items()}


@dataclass
class RouteDay:
    """One day of an examiner's route, or the part of it on this page (legs and tasks alike)."""

    cycle_code: str
    day: int
    total_km: float  # the whole day's, also when the page shows only part of it
    legs_km: list[float] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)


def route_page(examiner_id: int, after_task_id: int | None, limit: int) -> tuple[list[RouteDay], int | None]:
    """A page of the examiner's open tasks in route order (cycle code, day, stop), and the last task's id
    when more follow (the next page's key). A fixed number of statements whatever the number of tasks."""
    plan_missing(None, examiner_id)
    key = (Cycle.code, RouteStop.day, RouteStop.position)
    # Every open stop of the examiner with its day's total (a window over narrow rows), then the page of
    # them: the day totals stay whole when a day runs over two pages.
    stops = (sa.select(RouteStop.task_id, *key,
                       sa.func.sum(RouteStop.leg_km).over(partition_by=(RouteStop.cycle_id, RouteStop.day))
                       .label("day_km"))
             .join(Task, Task.id == RouteStop.task_id).join(Cycle, Cycle.id == RouteStop.cycle_id)
             .where(RouteStop.examiner_id == examiner_id, Task.examiner_id == examiner_id, Task.state.in_(OPEN))
             .subquery("stops"))
    stop_key = (stops.c.code, stops.c.day, stops.c.position)
    page = sa.select(stops.c.task_id, stops.c.day_km).order_by(*stop_key).limit(limit + 1)
    if after_task_id is not None:
        after = db.session.execute(
            sa.select(*key).join(Cycle, Cycle.id == RouteStop.cycle_id)
            .where(RouteStop.task_id == after_task_id, RouteStop.examiner_id == examiner_id)).first()
        if after is None:
            return [], None
        page = page.where(sa.tuple_(*stop_key) > sa.tuple_(*(sa.literal(v) for v in after)))
    # Then only the page's tasks with their sites. (As one statement, IN a LIMIT subquery, PostgreSQL
    # joined every open task before the semi-join.)
    day_km = dict(db.session.execute(page).all())
    query = (sa.select(RouteStop, Task, Cycle.code).join(Task, Task.id == RouteStop.task_id)
             .join(Cycle, Cycle.id == RouteStop.cycle_id).where(RouteStop.task_id.in_(list(day_km)))
             .options(*TASK_SITE).order_by(*key))
    rows = db.session.execute(query).all() if day_km else []
    more = len(rows) > limit
    rows = rows[:limit]
    days: list[RouteDay] = []
    for stop, task, code in rows:
        if not days or (days[-1].cycle_code, days[-1].day) != (code, stop.day):
            days.append(RouteDay(code, stop.day, float(day_km[task.id] or 0.0)))
        days[-1].legs_km.append(stop.leg_km)
        days[-1].tasks.append(task)
    return days, (rows[-1][1].id if more else None)
