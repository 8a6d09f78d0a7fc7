"""Field tasks: one sampled claim given to an examiner (a first visit or a blind back-check)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime
from ..extensions import db

TASK_KINDS = ("primary", "backcheck")


class Task(db.Model):
    __tablename__ = "task"
    # One primary visit per sampled claim, and at most one independent back-check.
    __table_args__ = (sa.UniqueConstraint("claim_id", "kind", name="uq_task_claim_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claim.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="primary")
    examiner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(16), default="unassigned")
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # Blind verification: the quantity the examiner recorded before the claimed one was shown.
    blind_qty: Mapped[float | None]
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The task's latest visit, written by the submit that stores it (field.operations.submit_verification).
    # Every list that needs "each task's latest visit" (review queue, pack, scores, export, rectification)
    # reads this column instead of grouping every stored visit. No foreign key: task and verification
    # would reference each other; `fieldcheck doctor` checks it against the visits.
    latest_verification_id: Mapped[int | None] = mapped_column(index=True)

    claim: Mapped["Claim"] = relationship()  # noqa: F821
    examiner: Mapped["User | None"] = relationship()  # noqa: F821
    # The named visit itself, one row by primary key (no SQL when it is already in the session).
    latest_visit: Mapped["Verification | None"] = relationship(  # noqa: F821
        primaryjoin="foreign(Task.latest_verification_id) == Verification.id", viewonly=True)

    @property
    def latest(self) -> "Verification | None":  # noqa: F821
        """The visit `latest_verification_id` names (the queue, scores and exports read that column too)."""
        if self.latest_verification_id is None:
            return None
        visit = self.latest_visit
        session = sa.inspect(self).session
        if (visit is None or visit.id != self.latest_verification_id) and session is not None:
            session.expire(self, ["latest_visit"])  # loaded before a submit named another visit
            visit = self.latest_visit
        return visit


class RouteStop(db.Model):
    """One open task's place in its examiner's planned day routes (per cycle), stored when planned.

    Routes are computed when assignments change (assignment.routing.replan), not on every page view;
    a returned visit is planned again by the return; the doctor finds an open task left without a stop.
    """

    __tablename__ = "route_stop"
    __table_args__ = (sa.Index("ix_route_stop_cycle_examiner", "cycle_id", "examiner_id", "day", "position"),)

    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id", ondelete="CASCADE"), primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle.id", ondelete="CASCADE"))
    examiner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    day: Mapped[int]
    position: Mapped[int]
    # Geodesic km from the previous stop of the day (0 for a day's first stop and for placeless tasks).
    leg_km: Mapped[float]
