"""`fieldcheck tokens create|list|revoke`: API tokens for the read API, from the command line."""

from __future__ import annotations

import click
from flask import g
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..accounts.actor import acting_as
from ..commands import CommandError, lookup, run_operation
from ..cycles.operations import get_cycle
from ..db import utcnow
from .operations import all_tokens, create_token, get_token, revoke_token

tokens_cli = click.Group("tokens", help="API tokens for the read API (/api/v1).")


@tokens_cli.command("create")
@click.option("--cycle", "code", metavar="CODE", help="The one cycle the token may read")
@click.option("--all-cycles", is_flag=True, help="The token may read every cycle, present and future")
@click.option("--expires", required=True, help="Lifetime: 90d, 12h, 2w, 1y (1 hour to 10 years)")
@click.option("--name", default="", help="Who or what uses it (shown in the list)")
@with_appcontext
@acting_as("organizer")
def tokens_create(code, all_cycles, expires, name):
    """Make a read-only token; the token is printed once (only its SHA-256 is kept)."""
    if bool(code) == bool(all_cycles):
        raise CommandError(_("Give either --cycle CODE or --all-cycles."))
    cycle = lookup(get_cycle, code) if code else None
    raw, row = run_operation(create_token, cycle, name, expires, g.cli_actor)
    click.echo(_("Token %(id)s for %(scope)s, expires %(at)s. Shown once; keep it secret:", id=row.id,
                 scope=cycle.code if cycle else _("every cycle"), at=row.expires_at.strftime("%Y-%m-%d %H:%M UTC")),
               err=True)
    click.echo(raw)


@tokens_cli.command("list")
@with_appcontext
def tokens_list():
    """Every token: id, label, cycle, state, expiry, last use, name (never the secret)."""
    now = utcnow()
    for token in all_tokens():
        used = token.last_used_at.strftime("%Y-%m-%dT%H:%M:%SZ") if token.last_used_at else "-"
        click.echo("\t".join([str(token.id), token.label + "…", token.cycle.code if token.cycle else "*",
                              token.status(now), token.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"), used,
                              token.name]))


@tokens_cli.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
@with_appcontext
@acting_as("organizer")
def tokens_revoke(token_id):
    """Revoke a token for good (its next request is refused)."""
    token = lookup(get_token, token_id)
    run_operation(revoke_token, token, g.cli_actor)
    click.echo(_("API token %(label)s… revoked.", label=token.label))
