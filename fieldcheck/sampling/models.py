"""The drawn sample: fixed for good once drawn."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow

from ..extensions import db


class Sample(db.Model):
    __tablename__ = "sample"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One sample per cycle, enforced by the database: a second draw (even two
    # concurrent submits) fails on this constraint.
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle.id"), unique=True)
    seed: Mapped[str] = mapped_column(sa.String(200))
    canonical_seed: Mapped[str] = mapped_column(sa.String(200))
    frame_sha256: Mapped[str] = mapped_column(sa.String(64))
    # Loaded only where the bytes are served or re-read (a large cycle's frame is megabytes).
    frame_csv: Mapped[str] = mapped_column(sa.Text, deferred=True)
    method: Mapped[str] = mapped_column(sa.String(200))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    drawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    items: Mapped[list[SampleItem]] = relationship(
        back_populates="sample", order_by="(SampleItem.stratum, SampleItem.rank)"
    )


class SampleItem(db.Model):
    __tablename__ = "sample_item"
    # The published order, which the assign and public pages read a page at a time (keyset).
    __table_args__ = (sa.Index("ix_sample_item_order", "sample_id", "stratum", "rank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(sa.ForeignKey("sample.id"))
    claim_id: Mapped[int] = mapped_column(sa.ForeignKey("claim.id"), unique=True)
    public_id: Mapped[str] = mapped_column(sa.String(200))
    stratum: Mapped[str] = mapped_column(sa.String(64))
    rank: Mapped[int]
    ticket_hex: Mapped[str] = mapped_column(sa.String(64))
    reason: Mapped[str] = mapped_column(sa.String(16), default="size")

    sample: Mapped[Sample] = relationship(back_populates="items")
    claim: Mapped["Claim"] = relationship()  # noqa: F821


class SeedEntry(db.Model):
    """A seed entered at the public ceremony, waiting for a second organizer to confirm it."""

    __tablename__ = "seed_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle.id"), unique=True)
    seed: Mapped[str] = mapped_column(sa.String(400))
    entered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entered_by: Mapped["User"] = relationship()  # noqa: F821
