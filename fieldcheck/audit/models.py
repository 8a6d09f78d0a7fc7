"""The audit trail: every change of state, who made it, when, before and after."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from flask import g, has_app_context, has_request_context
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db

GENESIS_SHA256 = "0" * 64  # the chain's head before the first event


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
    # Where the change came from: "web", or "cli user@host" for the command line.
    origin: Mapped[str] = mapped_column(sa.String(200), default="web", server_default="web")
    # The hash chain (see audit/chain.py): position, the previous event's hash, this event's hash.
    seq: Mapped[int | None] = mapped_column(unique=True)
    prev_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))

    @property
    def before_data(self):
        return json.loads(self.before) if self.before else None

    @property
    def after_data(self):
        return json.loads(self.after) if self.after else None


class AuditHead(db.Model):
    """The chain's newest link (one row): a deleted last event shows as a head nothing matches."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(sa.String(64), default=GENESIS_SHA256)


def record(action: str, entity: str, entity_id, *, before=None, after=None, actor=None) -> AuditEvent:
    """Add an audit event to the session (the request commits it with the change it records)."""
    if actor is None:
        actor = _current_actor()
    event = AuditEvent(
        origin=_origin(),
        actor_id=getattr(actor, "id", None),
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=None if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True, default=str),
        after=None if after is None else json.dumps(after, ensure_ascii=False, sort_keys=True, default=str),
    )
    db.session.add(event)
    db.session.info["audit_pending"] = True  # sealed into the chain when the transaction commits
    return event


def amend(event: AuditEvent, **after) -> None:
    """Add figures known only later in the same change (e.g. a submit's flags) to its event."""
    event.after = json.dumps({**(event.after_data or {}), **after}, ensure_ascii=False, sort_keys=True, default=str)


def _current_actor():
    if has_request_context() and current_user.is_authenticated:
        return current_user
    if has_app_context():
        return g.get("cli_actor")  # the command line's --as USERNAME
    return None


def _origin() -> str:
    if has_request_context():
        return "web"
    return g.get("cli_origin", "cli") if has_app_context() else "cli"
