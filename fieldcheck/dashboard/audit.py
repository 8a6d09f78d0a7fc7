"""The audit trail for organizers: filtered, a page at a time, and as CSV (streamed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from ..accounts.models import User
from ..audit.models import AuditEvent
from ..extensions import db

PAGE = 100
CSV_COLUMNS = ("seq", "at", "actor", "origin", "action", "entity", "entity_id", "before", "after", "prev_sha256",
               "sha256")


@dataclass(frozen=True)
class AuditFilter:
    cycle: str = ""   # events of one cycle: its own, and those of its reports, claims and tasks
    actor: str = ""   # a user name
    action: str = ""  # exact, or a prefix ending in "." (e.g. "task.")
    entity: str = ""  # part of the object's id

    @classmethod
    def from_args(cls, args) -> AuditFilter:
        return cls(**{name: (args.get(name) or "").strip()[:128] for name in ("cycle", "actor", "action", "entity")})

    def where(self, query):
        if self.cycle:
            query = query.where(sa.or_(AuditEvent.entity_id == self.cycle,
                                       AuditEvent.entity_id.startswith(self.cycle + "/", autoescape=True)))
        if self.actor:
            query = query.where(User.username == self.actor)
        if self.action:
            query = query.where(AuditEvent.action.startswith(self.action, autoescape=True)
                                if self.action.endswith(".") else AuditEvent.action == self.action)
        if self.entity:
            query = query.where(AuditEvent.entity_id.contains(self.entity, autoescape=True))
        return query


def base_query():
    return sa.select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.actor_id)


def page_of(events_filter: AuditFilter, before_id: int | None) -> tuple[list, int | None]:
    """Newest first, PAGE rows below `before_id` (keyset: the same cost on the first page and the last)."""
    query = events_filter.where(base_query())
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = db.session.execute(query.order_by(AuditEvent.id.desc()).limit(PAGE + 1)).all()
    return rows[:PAGE], (rows[PAGE - 1][0].id if len(rows) > PAGE else None)


def csv_lines(events_filter: AuditFilter) -> Iterator[str]:
    """The filtered trail as CSV, oldest first, streamed from the database a thousand rows at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    query = events_filter.where(base_query()).order_by(AuditEvent.id).execution_options(yield_per=1000)
    for event, username in db.session.execute(query):
        writer.writerow([event.seq, event.at.isoformat(), username or "", event.origin, event.action, event.entity,
                         event.entity_id, event.before or "", event.after or "", event.prev_sha256 or "",
                         event.sha256 or ""])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()
