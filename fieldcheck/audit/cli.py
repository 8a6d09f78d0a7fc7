"""`fieldcheck audit verify|seal`: the audit trail's hash chain, checked and extended from the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..commands import CommandError
from ..extensions import db
from .chain import chain_head, seal_pending, walk

audit_cli = click.Group("audit", help="The audit trail: verify its hash chain, export it.")


def break_text(problem) -> str:
    kinds = {
        "edited": _("event %(seq)s (id %(id)s) was edited after it was recorded"),
        "deleted": _("events are missing before position %(seq)s (deleted)"),
        "reordered": _("event %(seq)s (id %(id)s) does not follow the event before it (moved or inserted)"),
        "inserted": _("event id %(id)s is not in the chain (inserted outside the app)"),
    }
    return kinds[problem.kind] % {"seq": problem.seq, "id": problem.event_id}


@audit_cli.command("verify")
@click.option("--all", "show_all", is_flag=True, help="List every break, not only the first")
@with_appcontext
def audit_verify(show_all):
    """Walk the hash chain; exit 0 only when every event is where and what it was when recorded."""
    problems = []
    for problem in walk(db.session):
        problems.append(problem)
        if not show_all:
            break
    seq, sha = chain_head(db.session)
    if problems:
        for problem in problems[1:]:
            click.echo(break_text(problem), err=True)
        raise CommandError(_("The audit trail was altered: %(first)s.", first=break_text(problems[0])))
    click.echo(_("The audit trail is whole: %(n)d events, head %(sha)s.", n=seq, sha=sha))


@audit_cli.command("seal")
@with_appcontext
def audit_seal():
    """Chain the events recorded before the chain existed (the first new event does it too)."""
    count = seal_pending(db.session)
    db.session.commit()
    click.echo(count)
