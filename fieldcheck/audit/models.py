"""The audit trail: every change of state, who made it, when, before and after."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from flask import has_request_context
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow

from ..extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    entity: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[str] = mapped_column(sa.String(128))
    before: Mapped[str | None] = mapped_column(sa.Text)
    after: Mapped[str | None] = mapped_column(sa.Text)

    @property
    def before_data(self):
        return json.loads(self.before) if self.before else None

    @property
    def after_data(self):
        return json.loads(self.after) if self.after else None


def record(action: str, entity: str, entity_id, *, before=None, after=None, actor=None) -> AuditEvent:
    """Add an audit event to the session (the request commits it with the change it records)."""
    if actor is None:
        actor = _current_actor()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=None if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True, default=str),
        after=None if after is None else json.dumps(after, ensure_ascii=False, sort_keys=True, default=str),
    )
    db.session.add(event)
    return event


def amend(event: AuditEvent, **after) -> None:
    """Add figures known only later in the same change (e.g. a submit's flags) to its event."""
    event.after = json.dumps({**(event.after_data or {}), **after}, ensure_ascii=False, sort_keys=True, default=str)


def _current_actor():
    if has_request_context() and current_user.is_authenticated:
        return current_user
    return None
