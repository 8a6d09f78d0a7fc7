"""Drafting rounds (审稿): a report drafted for a unit, its drafts one per round, and the comments on them.

A drafting is filed (备案) by approving its last draft: the text becomes the cycle's Report (the one
claims are marked in, published and sampled), and the drafting keeps the SHA-256 and date it was
filed with.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db


class Drafting(db.Model):
    __tablename__ = "drafting"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "slug", name="uq_drafting_cycle_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), index=True)
    # The filed report's short name (in claim ids): lowercase ASCII.
    slug: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(300))
    secretary: Mapped[str] = mapped_column(sa.String(100))
    # reports.states.DRAFTING: submitted (the office reviews the last draft) → returned (the unit
    # revises it) → submitted …; submitted → filed.
    state: Mapped[str] = mapped_column(sa.String(16), default="submitted")
    # The round counter: the number of the last draft.
    round: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id"))
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    filed_sha256: Mapped[str] = mapped_column(sa.String(64), default="")

    cycle: Mapped["Cycle"] = relationship()  # noqa: F821
    unit: Mapped["Unit"] = relationship()  # noqa: F821
    report: Mapped["Report | None"] = relationship()  # noqa: F821


class Draft(db.Model):
    """One round's draft: its normalised text and SHA-256, frozen once uploaded."""

    __tablename__ = "draft"
    __table_args__ = (sa.UniqueConstraint("drafting_id", "n", name="uq_draft_drafting_n"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drafting_id: Mapped[int] = mapped_column(sa.ForeignKey("drafting.id"))
    n: Mapped[int]  # the round
    text: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DraftComment(db.Model):
    """The office's comment on a passage of one draft; also a suggested comment accepted or dropped.

    `kind`: comment (written by the organizer), lint (a suggestion of reports.lint accepted; `code`
    is its finding code) or dropped (a suggestion the organizer dropped: not shown to the unit).
    A comment without a span (an unanswered rectification item) has start and end NULL.
    """

    __tablename__ = "draft_comment"
    __table_args__ = (
        sa.CheckConstraint('(start IS NULL AND "end" IS NULL) OR (start >= 0 AND start < "end")', name="span"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(sa.ForeignKey("draft.id"), index=True)
    start: Mapped[int | None]
    end: Mapped[int | None]
    kind: Mapped[str] = mapped_column(sa.String(16), default="comment")
    code: Mapped[str] = mapped_column(sa.String(32), default="")
    body: Mapped[str] = mapped_column(sa.String(2000))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
