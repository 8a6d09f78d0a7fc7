"""`fieldcheck rectification list CODE [--unit UNIT] [--overdue] [--json]`, `generate` and `carry` (with --as)."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from ..accounts.actor import acting_as
from ..commands import lookup, run_operation
from ..cycles.operations import get_cycle
from .carry import carry_over
from .operations import cycle_items, generate_cycle, parse_deadline

rectification_cli = click.Group("rectification", help="Rectification lists (整改清单).")


@rectification_cli.command("list")
@click.argument("code")
@click.option("--unit", default="", help="Only this unit's items (its name)")
@click.option("--overdue", is_flag=True, help="Only items past their deadline and not signed off")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per item)")
@with_appcontext
def rectification_list(code, unit, overdue, as_json):
    """A cycle's rectification items with their computed status (open, in_progress, done, overdue)."""
    rows = cycle_items(lookup(get_cycle, code), unit=unit or None, overdue=overdue)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(f"{row['id']}\t{row['unit']}\t{row['status']}\t{row['deadline'] or '—'}\t{row['problem'][:60]}")


@rectification_cli.command("generate")
@click.argument("code")
@click.option("--deadline", default="", help="Deadline of the new items, YYYY-MM-DD")
@with_appcontext
@acting_as("organizer")
def rectification_generate(code, deadline):
    """Add the items every report's findings call for (idempotent, recorded)."""
    cycle = lookup(get_cycle, code)
    click.echo(run_operation(lambda: generate_cycle(cycle, deadline=parse_deadline(deadline))))


@rectification_cli.command("carry")
@click.argument("code")
@with_appcontext
@acting_as("organizer")
def rectification_carry(code):
    """Carry earlier cycles' open and recently closed items into this cycle (idempotent, recorded)."""
    click.echo(len(run_operation(carry_over, lookup(get_cycle, code))))
