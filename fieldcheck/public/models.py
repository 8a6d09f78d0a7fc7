"""Feedback from the public on a published claim: a lead for organizers and examiners."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, utcnow


class Feedback(db.Model):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claim.id"), index=True)
    text: Mapped[str] = mapped_column(sa.String(2000))
    # Optional and volunteered by the writer (to be asked more); never shown publicly.
    contact: Mapped[str] = mapped_column(sa.String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(16), default="new")  # new | read

    claim: Mapped["Claim"] = relationship()  # noqa: F821
