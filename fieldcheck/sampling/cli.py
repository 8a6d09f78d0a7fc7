"""`fieldcheck cycle publish`, `fieldcheck sample ...` and `fieldcheck tasks ...`: the frame, the draw, the tasks."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from flask_babel import gettext as _

from ..accounts.models import User
from ..assignment.models import Task
from ..assignment.operations import assign_task
from ..commands import lookup, run_operation
from ..cycles.operations import get_cycle
from ..extensions import db
from .draw import parse_frame_csv
from .operations import draw_cycle_sample, extend_stratum, get_sample, publish_cycle
from .rule import DrawRule, draw_frame, sample_csv

sample_cli = click.Group("sample", help="The public draw.")
tasks_cli = click.Group("tasks", help="Field tasks.")


@sample_cli.command("draw")
@click.argument("code")
@click.option("--seed", required=True)
@with_appcontext
def sample_draw(code, seed):
    """Draw the sample with the public seed (once, for good)."""
    sample = run_operation(draw_cycle_sample, lookup(get_cycle, code), seed, via="cli")
    for item in sample.items:
        click.echo(f"{item.public_id}\t{item.ticket_hex}")


@sample_cli.command("verify")
@click.option("--frame", "frame_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The published frame.csv")
@click.option("--seed", required=True)
@click.option("--method", default=None, help="The published method (default: the default rule)")
@click.option("--extend", "extensions", multiple=True, help="STRATUM=K, once per published extension")
@click.option("--compare", type=click.Path(exists=True, dir_okay=False),
              help="A published sample.csv: exit 1 unless it matches")
def sample_verify(frame_file, seed, method, extensions, compare):
    """Re-derive the sample from the published frame and seed, without the database."""
    try:
        rule = DrawRule.parse(method) if method else DrawRule()
        rows = parse_frame_csv(Path(frame_file).read_text("utf-8-sig"))
        extend = {}
        for item in extensions:
            name, _sep, k = item.rpartition("=")
            extend[name] = int(k)
        body = sample_csv(draw_frame(rows, seed, rule, extend))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    sys.stdout.write(body)
    if compare:
        published = Path(compare).read_text("utf-8-sig").replace("\r\n", "\n")
        if published != body:
            raise click.ClickException("the published sample differs from the one derived here")
        click.echo("OK: the published sample matches", err=True)


@sample_cli.command("extend")
@click.argument("code")
@click.option("--stratum", required=True)
@click.option("--count", default=1, show_default=True, type=int)
@with_appcontext
def sample_extend(code, stratum, count):
    """Extend a stratum by the next lowest tickets (recorded)."""
    for item in run_operation(extend_stratum, lookup(get_cycle, code), stratum, count):
        click.echo(f"{item.public_id}\t{item.ticket_hex}")


@tasks_cli.command("assign")
@click.argument("code")
@click.option("--examiner", required=True)
@click.option("--claim", "claims", multiple=True, help="Public id; default: every unassigned task")
@with_appcontext
def tasks_assign(code, examiner, claims):
    """Assign sampled claims to an examiner."""
    cycle = lookup(get_cycle, code)
    user = db.session.scalar(sa.select(User).where(User.username == examiner))
    if user is None:
        raise click.ClickException(_("There is no user %(name)s.", name=examiner))
    sample = get_sample(cycle)
    if sample is None:
        raise click.ClickException(_("The sample is drawn after the frame is frozen."))
    wanted = set(claims)

    def assign_all() -> int:
        count = 0
        for item in sample.items:
            task = db.session.scalar(sa.select(Task).where(Task.claim_id == item.claim_id, Task.kind == "primary"))
            if (wanted and item.public_id not in wanted) or (not wanted and task.state != "unassigned"):
                continue
            assign_task(task, user)
            count += 1
        return count

    click.echo(run_operation(assign_all))


@click.command("publish")
@click.argument("code")
@with_appcontext
def cycle_publish(code):
    """Freeze the frame and publish; prints the frame's SHA-256."""
    click.echo(run_operation(publish_cycle, lookup(get_cycle, code)))
