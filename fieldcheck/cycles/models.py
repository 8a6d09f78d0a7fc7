"""An assessment cycle, its scoring aspects and its interview questions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow

from ..extensions import db
from . import defaults


class Cycle(db.Model):
    __tablename__ = "cycle"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Appears in every claim's public id (<cycle>/<report>/<n>), so it never changes.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[str] = mapped_column(sa.String(16), default="draft")
    # Every figure below is cycle configuration; defaults in cycles/defaults.py, read through
    # cycles/settings.py settings_of(cycle).
    # The draw rule (see sampling/rule.py): the smallest sample that would catch a tolerable
    # share of false claims with the given confidence, never fewer than min_per_stratum.
    min_per_stratum: Mapped[int] = mapped_column(default=defaults.MIN_PER_STRATUM)
    tolerable_share: Mapped[float] = mapped_column(default=defaults.TOLERABLE_SHARE)
    confidence: Mapped[float] = mapped_column(default=defaults.CONFIDENCE)
    cover_aspects: Mapped[bool] = mapped_column(default=defaults.COVER_ASPECTS)
    strata: Mapped[str] = mapped_column(sa.String(16), default=defaults.DEFAULT_STRATA)
    # Share of approved verifications visited again by a second examiner, drawn by ticket.
    backcheck_share: Mapped[float] = mapped_column(default=defaults.BACKCHECK_SHARE)
    max_route_km: Mapped[float] = mapped_column(default=defaults.MAX_ROUTE_KM)
    # Evidence on the phone: blind quantity, geolocation accuracy to wait for, QR link lifetime.
    blind: Mapped[bool] = mapped_column(default=defaults.BLIND)
    accuracy_threshold_m: Mapped[float] = mapped_column(default=defaults.ACCURACY_THRESHOLD_M)
    geo_wait_s: Mapped[int] = mapped_column(default=defaults.GEO_WAIT_S)
    qr_token_hours: Mapped[float] = mapped_column(default=defaults.QR_TOKEN_HOURS)
    min_interviews: Mapped[int] = mapped_column(default=defaults.MIN_INTERVIEWS)
    # Evidence checks: the limits of the flags (evidence/flags.py FlagSettings).
    max_distance_m: Mapped[int] = mapped_column(default=defaults.MAX_DISTANCE_M)
    exif_gps_max_m: Mapped[float] = mapped_column(default=defaults.EXIF_GPS_MAX_M)
    exif_time_window_h: Mapped[float] = mapped_column(default=defaults.EXIF_TIME_WINDOW_H)
    exif_max_age_days: Mapped[float] = mapped_column(default=defaults.EXIF_MAX_AGE_DAYS)
    phash_max_distance: Mapped[int] = mapped_column(default=defaults.PHASH_MAX_DISTANCE)
    min_visit_minutes: Mapped[float] = mapped_column(default=defaults.MIN_VISIT_MINUTES)
    camera_utc_offset_h: Mapped[float] = mapped_column(default=defaults.CAMERA_UTC_OFFSET_H)
    # Scoring (scores/scoring.py): weights of finding and satisfaction, value of an unquantified "partly".
    finding_weight: Mapped[float] = mapped_column(default=defaults.FINDING_WEIGHT)
    satisfaction_weight: Mapped[float] = mapped_column(default=defaults.SATISFACTION_WEIGHT)
    partly_value: Mapped[float] = mapped_column(default=defaults.PARTLY_VALUE)
    # Review
    review_reasons: Mapped[str] = mapped_column(sa.Text, default=lambda: defaults.review_reason_lines())
    second_reviewer_reject: Mapped[bool] = mapped_column(default=defaults.SECOND_REVIEWER_REJECT)
    time_zone: Mapped[str] = mapped_column(sa.String(64), default=defaults.TIME_ZONE)
    # The combined evaluation's rules as JSON (grading/rules.py); None: the defaults in cycles/defaults.py.
    grade_rules: Mapped[str | None] = mapped_column(sa.Text)
    frame_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    aspects: Mapped[list[Aspect]] = relationship(
        back_populates="cycle", order_by="Aspect.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="cycle", order_by="Question.position", cascade="all, delete-orphan"
    )
    reports: Mapped[list["Report"]] = relationship(  # noqa: F821
        back_populates="cycle", order_by="Report.slug"
    )

    @property
    def frozen(self) -> bool:
        return self.frame_sha256 is not None


class CycleSnapshot(db.Model):
    """The results as they stood when the cycle was closed, with the SHA-256 of their canonical JSON.

    A reopening (a reason and a second organizer) marks the snapshot superseded; it is never deleted,
    and its hash stays in the audit trail.
    """

    __tablename__ = "cycle_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle.id"), index=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[str] = mapped_column(sa.Text)
    # The audit chain's head when the snapshot was taken: a later rewrite of the trail shows against it.
    audit_head: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reopen_reason: Mapped[str | None] = mapped_column(sa.String(500))
    reopen_requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reopen_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    superseded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))


class Aspect(db.Model):
    __tablename__ = "aspect"
    __table_args__ = (sa.UniqueConstraint("cycle_id", "code", name="uq_aspect_cycle_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(32))
    name_zh: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    weight: Mapped[float] = mapped_column(default=defaults.DEFAULT_ASPECT_WEIGHT)
    position: Mapped[int] = mapped_column(default=0)

    cycle: Mapped[Cycle] = relationship(back_populates="aspects")
    # Read only: an aspect with claims cannot be removed from the cycle.
    claims: Mapped[list["Claim"]] = relationship(viewonly=True)  # noqa: F821

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh


class Question(db.Model):
    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycle.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.String(300))

    cycle: Mapped[Cycle] = relationship(back_populates="questions")
