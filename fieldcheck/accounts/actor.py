"""Who acts on the command line: `--as USERNAME`, checked against the roles the same action needs on a page.

The user is the audit trail's actor for everything the command records, with the operating-system
user and host beside it (the event's origin), so a change from a terminal is as attributable as one
from a browser.
"""

from __future__ import annotations

import functools
import getpass
import socket

import click
import sqlalchemy as sa
from flask import g
from flask_babel import gettext as _

from ..commands import CommandError
from ..extensions import db
from .models import User


def cli_origin() -> str:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (e.g. in a container)
        who = "?"
    return f"cli {who}@{socket.gethostname()}"[:200]


def act_as(username: str, roles: tuple[str, ...]) -> User:
    """Make `username` the actor of this command, or refuse when they may not do it."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None or not user.is_active:
        raise CommandError(_("There is no active user %(name)s.", name=username))
    if not user.has_role(*roles):
        raise CommandError(_("%(name)s may not do this: it needs the role %(roles)s.", name=username,
                             roles=" / ".join(_(r) for r in roles)))
    g.cli_actor, g.cli_origin = user, cli_origin()
    return user


def acting_as(*roles: str, unless_no_users: bool = False):
    """A command option `--as USERNAME` (required), run inside the app context (below `with_appcontext`).

    `unless_no_users`: the very first account of an installation is created with no one to act as.
    """

    def decorate(command):
        @click.option("--as", "as_user", metavar="USERNAME", default=None,
                      help="The person doing this (recorded in the audit trail); needs the page's role.")
        @functools.wraps(command)
        def wrapped(*args, as_user=None, **kwargs):
            if as_user is None:
                first = unless_no_users and db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
                if not first:
                    raise CommandError(_("Say who you are with --as USERNAME (recorded in the audit trail)."))
                g.cli_origin = cli_origin()
            else:
                act_as(as_user, roles)
            return command(*args, **kwargs)

        return wrapped

    return decorate
