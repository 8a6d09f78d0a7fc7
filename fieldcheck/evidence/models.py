"""Photos (content-addressed by SHA-256) and the automatic evidence warnings (flags)."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class Photo(db.Model):
    __tablename__ = "photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Content address of the original bytes; the same photo uploaded twice is one row.
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    size_bytes: Mapped[int]
    format: Mapped[str] = mapped_column(sa.String(8))
    width: Mapped[int]
    height: Mapped[int]
    taken_at: Mapped[str | None] = mapped_column(sa.String(32))  # EXIF camera time, as written
    taken_at_offset: Mapped[str | None] = mapped_column(sa.String(8))  # e.g. "+08:00" when the camera said
    gps_lat: Mapped[float | None]
    gps_lon: Mapped[float | None]
    camera: Mapped[str] = mapped_column(sa.String(120), default="")
    phash: Mapped[str] = mapped_column(sa.String(16), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the phone said about the original it shrank (declared by the client, shown as such).
    original_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    original_size: Mapped[int | None]
    # The browser's geolocation when the photo was taken.
    capture_lat: Mapped[float | None]
    capture_lon: Mapped[float | None]
    capture_accuracy_m: Mapped[float | None]


verification_photo = sa.Table(
    "verification_photo",
    db.metadata,
    sa.Column("verification_id", sa.ForeignKey("verification.id"), primary_key=True),
    sa.Column("photo_id", sa.ForeignKey("photo.id"), primary_key=True),
)


class Flag(db.Model):
    """An automatic evidence warning for the reviewer (never a silent rejection)."""

    __tablename__ = "flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    verification_id: Mapped[int] = mapped_column(sa.ForeignKey("verification.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    figures: Mapped[str] = mapped_column(sa.Text, default="{}")

    @property
    def figure_data(self) -> dict:
        return json.loads(self.figures or "{}")
