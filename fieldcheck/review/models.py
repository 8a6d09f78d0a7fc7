"""A reviewer's decision on one verification."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow

from ..extensions import db

DECISIONS = ("approve", "return", "reject")


class Review(db.Model):
    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    verification_id: Mapped[int] = mapped_column(sa.ForeignKey("verification.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    decision: Mapped[str] = mapped_column(sa.String(8))
    reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    verification: Mapped["Verification"] = relationship(back_populates="reviews")  # noqa: F821
    reviewer: Mapped["User"] = relationship()  # noqa: F821
