"""One-time links for residents' ratings."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db


class RatingToken(db.Model):
    """A one-time link a resident opens from a QR code; only its hash is stored."""

    __tablename__ = "rating_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("task.id"), index=True)
    client_uuid: Mapped[str] = mapped_column(sa.String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    task: Mapped["Task"] = relationship()  # noqa: F821
