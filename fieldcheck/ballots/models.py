"""The meeting's anonymous ballot (述职测评): one-time codes, and counts per secretary and grade.

Nothing links a vote to a code or to a request: a vote is never stored as a row, only added to the
counts (`BallotCount`), and a code keeps only whether it was used — no time, no address, no order.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db

GRADES = ("好", "较好", "一般", "差")  # the grades the committee gives; stored as written


class BallotRound(db.Model):
    """One meeting's ballot for a cycle's secretaries, open until `closes_at`."""

    __tablename__ = "ballot_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)

    cycle: Mapped["Cycle"] = relationship()  # noqa: F821


class BallotCode(db.Model):
    """A one-time code printed as a QR code, one per attendee; only its SHA-256 is kept."""

    __tablename__ = "ballot_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("ballot_round.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used: Mapped[bool] = mapped_column(default=False)

    round: Mapped[BallotRound] = relationship()


class BallotCount(db.Model):
    """How many ballots gave this report's secretary this grade (online, or entered from paper)."""

    __tablename__ = "ballot_count"
    __table_args__ = (sa.UniqueConstraint("round_id", "report_id", "grade", "source", name="uq_ballot_count_cell"),
                      sa.CheckConstraint("count >= 0", name="count"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("ballot_round.id"), index=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"))
    grade: Mapped[str] = mapped_column(sa.String(4))
    source: Mapped[str] = mapped_column(sa.String(8), default="online")  # online | paper
    count: Mapped[int] = mapped_column(default=0)
