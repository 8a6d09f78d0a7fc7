"""Organizer page: who belongs to which unit, and which units are related."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import loads, roles_required
from ..extensions import db
from ..web import change_and_flash
from .blueprint import bp
from .models import Unit, User
from .operations import set_unit_group, set_user_unit

with_user = loads("user", lambda user_id: db.session.get(User, user_id), "user_id")


@bp.route("/people", methods=["GET"])
@roles_required("organizer")
def people():
    """People with their roles and units; units with their groups."""
    users = db.session.scalars(sa.select(User).order_by(User.username)).all()
    units = db.session.scalars(sa.select(Unit).order_by(Unit.name)).all()
    return render_template("accounts/people.html", users=users, units=units,
                           unit_names={u.id: u.name for u in units})


@bp.route("/people/<int:user_id>/unit", methods=["POST"])
@roles_required("organizer")
@with_user
def person_unit(user: User):
    """Record the unit a person belongs to."""
    change_and_flash(lambda: set_user_unit(user, request.form.get("unit", "")), lambda _r: _("Saved."))
    return redirect(url_for("accounts.people"))


@bp.route("/units/group", methods=["POST"])
@roles_required("organizer")
def unit_group():
    """Put a unit in a group of related units (e.g. the same county)."""
    change_and_flash(lambda: set_unit_group(request.form.get("unit", ""), request.form.get("group", "")),
                     lambda _r: _("Saved."))
    return redirect(url_for("accounts.people"))
