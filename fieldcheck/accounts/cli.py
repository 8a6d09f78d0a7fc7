"""`fieldcheck users ...`: accounts."""

from __future__ import annotations

import secrets

import click
from flask.cli import with_appcontext

from ..cli import run_operation

users = click.Group("users", help="Accounts.")


@users.command("create")
@click.argument("username")
@click.option("--roles", required=True, help="Comma-separated: organizer,examiner,reviewer")
@click.option("--password", help="Default: a random password, printed once.")
@click.option("--name", "display_name", default="")
@with_appcontext
def users_create(username, roles, password, display_name):
    """Create an account."""
    from .operations import create_user

    password = password or secrets.token_urlsafe(9)
    run_operation(create_user, username, password, [r.strip() for r in roles.split(",") if r.strip()],
                  display_name)
    click.echo(f"{username}\t{password}")
