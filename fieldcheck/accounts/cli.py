"""`fieldcheck users ...`: accounts."""

from __future__ import annotations

import secrets

import click
import sqlalchemy as sa
from flask_babel import gettext as _
from flask.cli import with_appcontext

from .actor import acting_as
from ..commands import CommandError, run_operation
from ..extensions import db
from .models import User
from .operations import check_unit_contact, create_user, set_unit_group, set_user_unit

users = click.Group("users", help="Accounts.")
units = click.Group("units", help="Units and which are related.")


@users.command("create")
@click.argument("username")
@click.option("--roles", required=True, help="Comma-separated: organizer,examiner,reviewer,unit (a unit contact needs --unit)")
@click.option("--password", help="Default: a random password, printed once.")
@click.option("--name", "display_name", default="")
@click.option("--unit", default="", help="The unit the person belongs to (never checks or reviews its claims)")
@with_appcontext
@acting_as("organizer", unless_no_users=True)
def users_create(username, roles, password, display_name, unit):
    """Create an account."""
    password = password or secrets.token_urlsafe(9)

    def create():
        user = create_user(username, password, [r.strip() for r in roles.split(",") if r.strip()], display_name)
        if unit:
            set_user_unit(user, unit)
        check_unit_contact(user)
        return user

    run_operation(create)
    click.echo(f"{username}\t{password}")


@users.command("unit")
@click.argument("username")
@click.argument("unit")
@with_appcontext
@acting_as("organizer")
def users_unit(username, unit):
    """Record the unit a person belongs to ("" for none)."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise CommandError(_("There is no user %(name)s.", name=username))
    def change():
        set_user_unit(user, unit)
        check_unit_contact(user)

    run_operation(change)


@units.command("relate")
@click.argument("group")
@click.argument("units", nargs=-1, required=True)
@with_appcontext
@acting_as("organizer")
def relate_units(group, units):
    """Mark units as related (e.g. the same county): their people never check each other's claims."""
    def relate():
        for unit in units:
            set_unit_group(unit, group)

    run_operation(relate)
    click.echo(len(units))
