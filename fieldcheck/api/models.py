"""API tokens: read-only keys to /api/v1 for one cycle or all, expiring, revocable, stored hashed."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cycles.models import Cycle
from ..db import UTCDateTime, utcnow
from ..extensions import db


class ApiToken(db.Model):
    """One token. Only the SHA-256 of its secret is kept; `label` is its first characters, for people."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), default="")
    label: Mapped[str] = mapped_column(sa.String(12))
    # active -> revoked (api/states.py); expiry is read from expires_at, never stored as a state.
    state: Mapped[str] = mapped_column(sa.String(16), default="active")
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # None: every cycle, present and future.
    cycle_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cycle.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    cycle: Mapped[Cycle | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    def status(self, now: datetime) -> str:
        """active | expired | revoked (a code word: translated through dynamic.pot)."""
        if self.state == "revoked":
            return "revoked"
        return "expired" if self.expires_at <= now else "active"

    def may_read(self, cycle: Cycle) -> bool:
        return self.cycle_id is None or self.cycle_id == cycle.id
