"""Routine research scores (平时调研) and the grades the organizer confirmed or set, with reasons."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class RoutineScore(db.Model):
    __tablename__ = "routine_score"
    __table_args__ = (sa.UniqueConstraint("report_id", name="uq_routine_score_report"),
                      sa.CheckConstraint("score >= 0 AND score <= 100", name="score"))

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"))
    score: Mapped[float]
    note: Mapped[str] = mapped_column(sa.String(500), default="")


class GradeDecision(db.Model):
    """The grade the committee gave: the proposal confirmed, or another one with its written reason."""

    __tablename__ = "grade_decision"
    __table_args__ = (sa.UniqueConstraint("report_id", name="uq_grade_decision_report"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"))
    proposed: Mapped[str | None] = mapped_column(sa.String(4))
    grade: Mapped[str] = mapped_column(sa.String(4))
    reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
