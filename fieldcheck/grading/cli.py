"""`fieldcheck grade CODE --json` and `fieldcheck routine import CODE routine.csv`."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from flask import g

from ..accounts.actor import acting_as
from ..commands import lookup, run_operation
from ..cycles.operations import get_cycle
from .closing import close_cycle, confirm_reopen, request_reopen
from .operations import grade_table, import_routine_scores

routine_cli = click.Group("routine", help="Routine research scores (平时调研).")


@click.command("grade")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per report)")
@with_appcontext
def grade(code, as_json):
    """The combined evaluation per report: parts, composite, proposed and confirmed grade, what follows."""
    rows = grade_table(lookup(get_cycle, code))
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['report']}\t{row['composite']}\t{row['proposed_grade'] or '—'}\t{row['grade'] or '—'}")


@routine_cli.command("import")
@click.argument("code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
@acting_as("organizer")
def routine_import(code, file):
    """Record routine research scores from a CSV: unit,score,note (0–100), all lines or none."""
    click.echo(run_operation(import_routine_scores, lookup(get_cycle, code), Path(file).read_bytes()))


@click.command("close")
@click.argument("code")
@click.option("--reason", default="", help="A note kept on the record")
@with_appcontext
@acting_as("organizer")
def cycle_close(code, reason):
    """Close the cycle (from review): every figure is frozen in a snapshot; prints its SHA-256."""
    snapshot = run_operation(close_cycle, lookup(get_cycle, code), reason, g.cli_actor)
    click.echo(snapshot.sha256)


@click.command("reopen")
@click.argument("code")
@click.option("--reason", default=None, help="Ask to reopen, saying why (a second organizer confirms)")
@click.option("--confirm", is_flag=True, help="Confirm another organizer's request to reopen")
@with_appcontext
@acting_as("organizer")
def cycle_reopen(code, reason, confirm):
    """Reopen a closed cycle: one organizer asks with a reason, a second one confirms."""
    cycle = lookup(get_cycle, code)
    if confirm == (reason is not None):
        raise click.UsageError("give either --reason TEXT (to ask) or --confirm (to confirm)")
    if confirm:
        run_operation(confirm_reopen, cycle, g.cli_actor)
        click.echo("review")
    else:
        run_operation(request_reopen, cycle, reason, g.cli_actor)
        click.echo("asked")
