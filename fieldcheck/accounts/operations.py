"""Creating accounts."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.models import record
from ..db import db
from ..errors import OperationError
from .models import ROLES, User

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")


def create_user(username: str, password: str, roles: list[str], display_name: str = "") -> User:
    """Create an account holding `roles`, with an scrypt password hash."""
    if not USERNAME_RE.match(username):
        raise OperationError(_("A user name has 2–64 letters, digits, '.', '_' or '-'."))
    if not roles or set(roles) - set(ROLES):
        raise OperationError(_("Roles must be among: %(roles)s.", roles=", ".join(ROLES)))
    if len(password) < 8:
        raise OperationError(_("A password needs at least 8 characters."))
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise OperationError(_("The user %(name)s already exists.", name=username))
    user = User(username=username, display_name=display_name)
    user.set_roles(roles)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user.create", "user", username, after={"roles": user.roles})
    return user
