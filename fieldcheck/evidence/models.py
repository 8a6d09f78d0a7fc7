"""Photos (content-addressed by SHA-256) and the automatic evidence warnings (flags)."""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, validates

from ..db import UTCDateTime, utcnow
from ..extensions import db


PHASH_BANDS = 4  # 16-bit bands of the 64-bit pHash, each stored and indexed (migration 0009)


def phash_bands(phash: str | None) -> list[str | None]:
    """The pHash cut into four 4-hex-digit bands (None for a missing or malformed hash)."""
    if not phash or len(phash) != 4 * PHASH_BANDS:
        return [None] * PHASH_BANDS
    return [phash[4 * i:4 * i + 4].lower() for i in range(PHASH_BANDS)]


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
    # The near-duplicate prefilter: two hashes within d bits share a band within d // 4 bits.
    phash_b0: Mapped[str | None] = mapped_column(sa.String(4), index=True)
    phash_b1: Mapped[str | None] = mapped_column(sa.String(4), index=True)
    phash_b2: Mapped[str | None] = mapped_column(sa.String(4), index=True)
    phash_b3: Mapped[str | None] = mapped_column(sa.String(4), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the phone said about the original it shrank (declared by the client, shown as such).
    original_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    original_size: Mapped[int | None]
    # The browser's geolocation when the photo was taken.
    capture_lat: Mapped[float | None]
    capture_lon: Mapped[float | None]
    capture_accuracy_m: Mapped[float | None]

    @validates("phash")
    def _cut_bands(self, _key, value):
        self.phash_b0, self.phash_b1, self.phash_b2, self.phash_b3 = phash_bands(value)
        return value


verification_photo = sa.Table(
    "verification_photo",
    db.metadata,
    sa.Column("verification_id", sa.ForeignKey("verification.id"), primary_key=True),
    # Indexed on its own too: which visits used this photo (the duplicate-photo check).
    sa.Column("photo_id", sa.ForeignKey("photo.id"), primary_key=True, index=True),
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
