"""Reminder talks (约谈提醒), rectification items (整改清单) with their evidence photos, and items carried over."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db

# Where an item came from: the assessment's findings, or the unit itself.
SOURCES = ("claim", "flag", "lead", "note", "unit")


class ReminderTalk(db.Model):
    """The reminder talk a report graded 一般 or 差 calls for: when, who holds it, and its written record."""

    __tablename__ = "reminder_talk"
    __table_args__ = (sa.UniqueConstraint("report_id", name="uq_reminder_talk_report"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"))
    grade: Mapped[str] = mapped_column(sa.String(4))  # the grade that called for it
    held_on: Mapped[date | None] = mapped_column(sa.Date)
    held_by: Mapped[str] = mapped_column(sa.String(100), default="")
    record: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RectificationItem(db.Model):
    """One problem on a report's rectification list: what is done about it, by whom, by when, and the proof."""

    __tablename__ = "rectification_item"
    __table_args__ = (
        # Generation is idempotent: one item per finding (unit items have no key).
        sa.UniqueConstraint("report_id", "source_key", name="uq_rectification_item_source"),
        sa.Index("ix_rectification_item_report_state", "report_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id"))
    source: Mapped[str] = mapped_column(sa.String(8))
    source_key: Mapped[str | None] = mapped_column(sa.String(64))  # e.g. "claim:12"; None for the unit's own
    source_label: Mapped[str] = mapped_column(sa.String(200), default="")  # e.g. the claim's public id
    # What was found (a code shown translated): partly, not_verified, site_not_found, rejected,
    # not_visited, a flag's code, lead, note; "unit" for the unit's own items.
    finding: Mapped[str] = mapped_column(sa.String(32), default="unit")
    problem: Mapped[str] = mapped_column(sa.String(2000))
    measure: Mapped[str] = mapped_column(sa.String(2000), default="")
    responsible: Mapped[str] = mapped_column(sa.String(100), default="")  # a role or a name, never a resident
    deadline: Mapped[date | None] = mapped_column(sa.Date)
    progress: Mapped[str] = mapped_column(sa.String(2000), default="")
    state: Mapped[str] = mapped_column(sa.String(16), default="open")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped["Report"] = relationship()  # noqa: F821
    photos: Mapped[list["Photo"]] = relationship(secondary="rectification_photo",  # noqa: F821
                                                  order_by="Photo.id", viewonly=True)


rectification_photo = sa.Table(
    "rectification_photo",
    db.metadata,
    sa.Column("item_id", sa.ForeignKey("rectification_item.id"), primary_key=True),
    sa.Column("photo_id", sa.ForeignKey("photo.id"), primary_key=True, index=True),
)


class CarriedItem(db.Model):
    """An earlier cycle's item brought into a new cycle for the same unit: answered by the new report?"""

    __tablename__ = "carried_item"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "item_id", name="uq_carried_item_cycle_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("rectification_item.id"))
    answered: Mapped[bool | None]  # None until the organizer has read the new report for it
    note: Mapped[str] = mapped_column(sa.String(1000), default="")
    # The claim it became in the new cycle's frame (stratum 整改核查), when the organizer put it there.
    claim_id: Mapped[int | None] = mapped_column(sa.ForeignKey("claim.id"))

    item: Mapped[RectificationItem] = relationship()
    unit: Mapped["Unit"] = relationship()  # noqa: F821
    claim: Mapped["Claim | None"] = relationship()  # noqa: F821
