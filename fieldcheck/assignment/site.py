"""A task as a place to visit: what route planning and task lists read, loaded in one statement."""

from __future__ import annotations

from sqlalchemy.orm import joinedload

from ..places.models import Place
from ..reports.models import Claim, Report
from .models import Task
from .plan import TaskSite

# What a task's card, route stop and public id read: claim, place and its parent, report, unit, cycle.
_CLAIM = joinedload(Task.claim)
_REPORT = _CLAIM.joinedload(Claim.report)
TASK_SITE = (_CLAIM.joinedload(Claim.place).joinedload(Place.parent), _REPORT.joinedload(Report.unit),
             _REPORT.joinedload(Report.cycle), joinedload(Task.examiner))


def site_of(task: Task) -> TaskSite:
    place = task.claim.place
    lat, lon = place.wgs84() if place else (None, None)
    return TaskSite(str(task.id), task.claim.report.unit.name, lat, lon)
