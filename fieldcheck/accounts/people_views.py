"""Organizer page: people (created here, with roles and units), and which units are related.

A new account's password, or a reset one, is shown once on the page that answers the POST (never
flashed: the flash would sit in the session cookie) and never stored in clear.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import ROLES, loads, roles_required
from ..extensions import db
from ..web import change_and_flash, change_or_error
from .blueprint import bp
from .models import Unit, User
from .operations import check_unit_contact, create_user, new_password, reset_password, set_unit_group, set_user_roles, set_user_unit

with_user = loads("user", lambda user_id: db.session.get(User, user_id), "user_id")


def _people_page(status: int = 200, *, error: str | None = None, shown: dict | None = None, form=None):
    users = db.session.scalars(sa.select(User).order_by(User.username)).all()
    units = db.session.scalars(sa.select(Unit).order_by(Unit.name)).all()
    response = make_response(render_template(
        "accounts/people.html", users=users, units=units, unit_names={u.id: u.name for u in units},
        roles=ROLES, error=error, shown=shown, form=form or {}), status)
    if shown:
        response.headers["Cache-Control"] = "no-store"  # the password is on this page, once
    return response


@bp.route("/people", methods=["GET"])
@roles_required("organizer")
def people():
    """People with their login names, roles and units; units with their groups."""
    return _people_page()


@bp.route("/people/new", methods=["POST"])
@roles_required("organizer")
def person_new():
    """Create an account with roles and a unit; its password is shown once."""
    form = {"username": request.form.get("username", "").strip(),
            "display_name": request.form.get("display_name", "").strip()[:120],
            "unit": request.form.get("unit", ""), "roles": request.form.getlist("roles")}
    password = new_password()

    def create():
        user = create_user(form["username"], password, form["roles"], form["display_name"])
        set_user_unit(user, form["unit"])
        check_unit_contact(user)

    error = change_or_error(create)
    if error is not None:
        return _people_page(400, error=error, form=form)
    return _people_page(shown={"username": form["username"], "password": password, "new": True})


@bp.route("/people/<int:user_id>", methods=["POST"])
@roles_required("organizer")
@with_user
def person_edit(user: User):
    """Change a person's roles and unit."""
    def change():
        set_user_roles(user, request.form.getlist("roles"), by=current_user)
        set_user_unit(user, request.form.get("unit", ""))
        check_unit_contact(user)

    change_and_flash(change, lambda _r: _("Saved %(name)s.", name=user.username))
    return redirect(url_for("accounts.people") + f"#user-{user.id}")


@bp.route("/people/<int:user_id>/password", methods=["POST"])
@roles_required("organizer")
@with_user
def person_password(user: User):
    """Give the person a new password, shown once; their open sessions end."""
    return _people_page(shown={"username": user.username, "password": reset_password(user), "new": False})


@bp.route("/people/<int:user_id>/unit", methods=["POST"])
@roles_required("organizer")
@with_user
def person_unit(user: User):
    """Record the unit a person belongs to."""
    def change():
        set_user_unit(user, request.form.get("unit", ""))
        check_unit_contact(user)

    change_and_flash(change, lambda _r: _("Saved."))
    return redirect(url_for("accounts.people"))


@bp.route("/units/group", methods=["POST"])
@roles_required("organizer")
def unit_group():
    """Put a unit in a group of related units (e.g. the same county)."""
    change_and_flash(lambda: set_unit_group(request.form.get("unit", ""), request.form.get("group", "")),
                     lambda _r: _("Saved."))
    return redirect(url_for("accounts.people"))
