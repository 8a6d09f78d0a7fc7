"""A task as a place to visit: what route planning and task lists read, loaded in one statement."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from ..accounts.models import Unit
from ..places.models import Place, full_name
from ..reports.models import Claim, Report
from .models import Task
from .plan import TaskSite

# What a task's card, route stop and public id read: claim, place and its parent, report, unit, cycle.
_CLAIM = joinedload(Task.claim)
_REPORT = _CLAIM.joinedload(Claim.report)
TASK_SITE = (_CLAIM.joinedload(Claim.place).joinedload(Place.parent), _REPORT.joinedload(Report.unit),
             _REPORT.joinedload(Report.cycle), joinedload(Task.examiner))


# Lists that read plain rows (task list, pack, routes page) select from these, joined by `with_site`.
PARENT = aliased(Place, name="parent_place")


def with_site(query: sa.Select) -> sa.Select:
    """A statement over Task joined to its claim, report, unit, place and the place's parent (`PARENT`)."""
    return (query.join(Claim, Claim.id == Task.claim_id).join(Report, Report.id == Claim.report_id)
            .join(Unit, Unit.id == Report.unit_id)
            .outerjoin(Place, Place.id == Claim.place_id).outerjoin(PARENT, PARENT.id == Place.parent_id))


def where_label(place: str | None, parent: str | None, unit: str) -> str:
    """Where a task is: its place with the parent, or the reporting unit when the claim names no place."""
    return full_name(place, parent) if place is not None else unit


def site_of(task: Task) -> TaskSite:
    place = task.claim.place
    lat, lon = place.wgs84() if place else (None, None)
    return TaskSite(str(task.id), task.claim.report.unit.name, lat, lon)
