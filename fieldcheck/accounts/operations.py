"""Creating accounts."""

from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.models import record
from ..extensions import db
from ..errors import OperationError
from .models import ROLES, Unit, User

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


def new_password() -> str:
    """A random password for a new account or a reset, shown once to the organizer and never stored."""
    return secrets.token_urlsafe(9)


def set_user_roles(user: User, roles: list[str], by: User | None = None) -> None:
    """Change what a person may do; an organizer cannot take the organizer role from themselves."""
    if not roles or set(roles) - set(ROLES):
        raise OperationError(_("Give each person at least one role."))
    if by is not None and user.id == by.id and "organizer" not in roles:
        raise OperationError(_("You cannot take the organizer role from yourself; ask another organizer."))
    before = user.roles
    user.set_roles(roles)
    if user.roles != before:
        # Roles are read from the database on every request: no session keeps a role taken away.
        record("user.roles", "user", user.username, before={"roles": before}, after={"roles": user.roles})


def check_unit_contact(user: User) -> None:
    """A unit contact belongs to exactly one unit and holds no other role.

    They are the assessed side: they see their own unit's findings and work off its rectification
    list, so they can neither examine, review nor organize, and without a unit they would see nothing.
    """
    if not user.has_role("unit"):
        return
    if user.unit_id is None:
        raise OperationError(_("A unit contact must belong to a unit: name the unit."))
    if user.role_set - {"unit"}:
        raise OperationError(_("A unit contact holds no other role (they are the unit being assessed)."))


def reset_password(user: User) -> str:
    """Give the person a new random password (returned once) and end their sessions."""
    password = new_password()
    user.set_password(password)
    record("user.password_reset", "user", user.username)
    end_sessions(user)
    return password


def unit_named(name: str, create: bool = True):
    """The unit with this name (created when missing), for conflict-of-interest rules."""
    name = name.strip()
    if not name:
        return None
    if len(name) > 200:
        raise OperationError(_("A unit name may be at most 200 characters long."))
    unit = db.session.scalar(sa.select(Unit).where(Unit.name == name))
    if unit is None and create:
        unit = Unit(name=name)
        db.session.add(unit)
        db.session.flush()
    return unit


def set_user_unit(user: User, unit_name: str) -> None:
    """Record the unit a person belongs to: they never check or review its claims, nor related ones."""
    unit = unit_named(unit_name)
    before = user.unit_id
    user.unit_id = unit.id if unit else None
    record("user.unit", "user", user.username, before={"unit_id": before}, after={"unit": unit.name if unit else None})


def set_unit_group(unit_name: str, group: str) -> None:
    """Units sharing a group (e.g. the same county) are related to each other."""
    unit = unit_named(unit_name)
    if unit is None:
        raise OperationError(_("Name the unit."))
    before = unit.group
    unit.group = group.strip()  # longer than the column: refused at the flush (guard.check_lengths)
    # By id: a unit name may be longer (200) than the audit trail's object key (128).
    record("unit.group", "unit", str(unit.id), before={"unit": unit.name, "group": before},
           after={"unit": unit.name, "group": unit.group})


def end_sessions(user: User) -> None:
    """Every session of this person ends: their cookies name a session version that no longer matches."""
    db.session.execute(sa.update(User).where(User.id == user.id)
                       .values(session_version=User.session_version + 1).execution_options(synchronize_session="fetch"))
