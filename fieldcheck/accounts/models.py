"""People, their roles, and the units they belong to."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import UTCDateTime, utcnow

from ..extensions import db

from ..access import ROLES  # noqa: F401  (the roles are declared with the route rules)


class Unit(db.Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(32), default="")
    # Units sharing a group (e.g. the same county) are related: an examiner or reviewer of
    # one never checks another.
    group: Mapped[str] = mapped_column(sa.String(200), default="")


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    # Space-separated subset of ROLES: one person may hold several.
    roles: Mapped[str] = mapped_column(sa.String(64), default="")
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session's user id: signing out (or a new password) raises it, so every copy of an
    # older session cookie stops working at once.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles.split())

    def set_roles(self, roles) -> None:
        unknown = set(roles) - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles: {sorted(unknown)}")
        self.roles = " ".join(r for r in ROLES if r in set(roles))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def get_id(self) -> str:  # Flask-Login: what the session cookie holds
        return f"{self.id}.{self.session_version}"

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def label(self) -> str:
        return self.display_name or self.username
