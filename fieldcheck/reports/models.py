"""Published reports, the claims marked in them, and the public's leads on claims."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow

from ..extensions import db



class Report(db.Model):
    __tablename__ = "report"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "slug", name="uq_report_cycle_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    # Part of the claims' public ids: lowercase ASCII, never a database id.
    slug: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(300))
    secretary: Mapped[str] = mapped_column(sa.String(100))
    # The whole published report (tens of KB): loaded only when read, so that the many lists joining a
    # task or claim to its report (task list, pack, queue, assign) do not carry it once per row.
    text: Mapped[str] = mapped_column(sa.Text, deferred=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped["Cycle"] = relationship(back_populates="reports")  # noqa: F821
    unit: Mapped["Unit"] = relationship()  # noqa: F821
    claims: Mapped[list[Claim]] = relationship(back_populates="report", order_by="Claim.start")


class Claim(db.Model):
    __tablename__ = "claim"
    __table_args__ = (
        sa.CheckConstraint("start >= 0 AND start < \"end\"", name="span"),
        sa.UniqueConstraint("report_id", "n", name="uq_claim_report_n"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"), index=True)
    # Number within the report, given when the frame is frozen (in text order).
    n: Mapped[int | None]
    start: Mapped[int]
    end: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    aspect_id: Mapped[int] = mapped_column(sa.ForeignKey("aspect.id"))
    place_id: Mapped[int | None] = mapped_column(sa.ForeignKey("place.id"))
    claimed_qty: Mapped[float | None]
    qty_unit: Mapped[str] = mapped_column(sa.String(16), default="")
    state: Mapped[str] = mapped_column(sa.String(16), default="confirmed")
    exclude_reason: Mapped[str] = mapped_column(sa.String(300), default="")

    report: Mapped[Report] = relationship(back_populates="claims")
    aspect: Mapped["Aspect"] = relationship()  # noqa: F821
    place: Mapped["Place | None"] = relationship()  # noqa: F821

    @property
    def public_id(self) -> str | None:
        if self.n is None:
            return None
        return f"{self.report.cycle.code}/{self.report.slug}/{self.n}"


class Feedback(db.Model):
    """Feedback from the public on a published claim: a lead for organizers and examiners."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claim.id"), index=True)
    text: Mapped[str] = mapped_column(sa.String(2000))
    # Optional and volunteered by the writer (to be asked more); never shown publicly.
    contact: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16), default="new")  # new | read

    claim: Mapped["Claim"] = relationship()  # noqa: F821
