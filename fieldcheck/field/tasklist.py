"""The examiner's task list (/tasks) a page at a time, in two statements whatever the number of tasks.

The list has three parts in page order: open tasks on their stored day routes (cycle code, day, stop),
open tasks on no route yet (by id: a bulk load; a return plans its task again), then the submitted and
decided ones (by id). The page only reads: planning happens when assignments change.

One statement lists every task of the examiner with its part and sort key (one scan of their tasks,
each day's total as a window over the day's stops, so it stays whole when a day runs over two pages)
and keeps a page of it; the second reads what those tasks' cards show, as plain rows. A page after a
route stop first looks that stop's key up (one statement more).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from ..accounts.models import Unit
from ..assignment.models import RouteStop, Task
from ..assignment.routing import OPEN
from ..assignment.site import PARENT, where_label, with_site
from ..cycles.models import Cycle
from ..extensions import db
from ..places.models import Place
from ..reports.models import Claim, Report
from .operations import blind_pending, masked_claim_text

# The parts in page order; a page key is (part, task id) of the last task shown.
ROUTED, UNPLANNED, DONE = "o", "u", "d"
PARTS = (ROUTED, UNPLANNED, DONE)


@dataclass(frozen=True)
class TaskCard:
    """What the list shows of a task: where to go and the claim (its figures hidden while blind)."""

    id: int
    state: str
    where: str  # the place with its parent, or the reporting unit when the claim names no place
    placed: bool
    text: str
    return_reason: str


@dataclass
class RouteDay:
    """One day of an examiner's route, or the part of it on this page (legs and tasks alike)."""

    cycle_code: str
    day: int
    total_km: float  # the whole day's, also when the page shows only part of it
    legs_km: list[float] = field(default_factory=list)
    tasks: list[TaskCard] = field(default_factory=list)


@dataclass
class TaskPage:
    days: list[RouteDay] = field(default_factory=list)
    unplanned: list[TaskCard] = field(default_factory=list)
    done: list[TaskCard] = field(default_factory=list)
    next_after: tuple[str, int] | None = None


def _listing(examiner_id: int):
    """Every task of the examiner with its part (0 routed, 1 unplanned, 2 done) and sort key."""
    is_open = Task.state.in_(OPEN)
    part = sa.case((sa.and_(is_open, RouteStop.task_id.is_not(None)), 0), (is_open, 1), else_=2)
    return (sa.select(Task.id.label("task_id"), part.label("part"), sa.func.coalesce(Cycle.code, "").label("k1"),
                      sa.func.coalesce(RouteStop.day, 0).label("k2"),
                      sa.func.coalesce(RouteStop.position, Task.id).label("k3"), RouteStop.leg_km,
                      sa.func.sum(RouteStop.leg_km).over(partition_by=(RouteStop.cycle_id, RouteStop.day))
                      .label("day_km"))
            .select_from(Task)
            # A submitted or decided task's stop is left over until the next replan: not part of a route.
            .outerjoin(RouteStop, sa.and_(RouteStop.task_id == Task.id, RouteStop.examiner_id == examiner_id, is_open))
            .outerjoin(Cycle, Cycle.id == RouteStop.cycle_id)
            .where(Task.examiner_id == examiner_id)
            .subquery("listed"))


def task_page(examiner_id: int, after: tuple[str, int] | None, limit: int) -> TaskPage:
    """A page of the examiner's tasks after the page key `after` ((part, task id), None for the first)."""
    listed = _listing(examiner_id)
    key = (listed.c.part, listed.c.k1, listed.c.k2, listed.c.k3)
    page = sa.select(listed).order_by(*key).limit(limit + 1)
    if after is not None:
        part, after_id = after
        if part not in PARTS:
            return TaskPage()
        if part == ROUTED:
            stop = db.session.execute(
                sa.select(Cycle.code, RouteStop.day, RouteStop.position).join(Cycle, Cycle.id == RouteStop.cycle_id)
                .where(RouteStop.task_id == after_id, RouteStop.examiner_id == examiner_id)).first()
            # A stop a replan has removed since: go on after the routes, with the other parts.
            last = (0, *stop) if stop is not None else (1, "", 0, 0)
        else:
            last = (PARTS.index(part), "", 0, after_id)
        page = page.where(sa.tuple_(*key) > sa.tuple_(*(sa.literal(v) for v in last)))
    listing = db.session.execute(page).all()
    # Then what the page's cards show, by primary key. (As one statement, joining the page to the tasks,
    # PostgreSQL hashed the page and scanned every task.)
    cards = {row[0]: row[1:] for row in db.session.execute(
        with_site(sa.select(Task.id, Task.state, Task.return_reason, Task.revealed_at, Claim.text, Claim.claimed_qty,
                            Place.name, PARENT.name, Unit.name, Cycle.blind))
        .join(Cycle, Cycle.id == Report.cycle_id)
        .where(Task.id.in_([row.task_id for row in listing[:limit]])))} if listing else {}
    result = TaskPage()
    for task_id, part, code, day, _position, leg_km, day_km in listing[:limit]:
        if task_id not in cards:
            continue  # gone between the two statements
        state, reason, revealed_at, text, claimed_qty, place, above, unit, blind = cards[task_id]
        where = where_label(place, above, unit)
        shown = masked_claim_text(text) if blind_pending(blind, revealed_at, claimed_qty, text) else text
        card = TaskCard(task_id, state, where, place is not None, shown, reason if state == "returned" else "")
        if part == 0:
            if not result.days or (result.days[-1].cycle_code, result.days[-1].day) != (code, day):
                result.days.append(RouteDay(code, day, float(day_km or 0.0)))
            result.days[-1].legs_km.append(leg_km)
            result.days[-1].tasks.append(card)
        else:
            (result.unplanned if part == 1 else result.done).append(card)
    if len(listing) > limit:
        result.next_after = (PARTS[listing[limit - 1].part], listing[limit - 1].task_id)
    return result
