"""`fieldcheck cycle publish`, `fieldcheck sample ...` and `fieldcheck tasks ...`: the frame, the draw, the tasks."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from flask_babel import gettext as _

from ..accounts.actor import acting_as
from ..accounts.models import User
from ..assignment.models import Task
from ..assignment.operations import assign_task, end_fieldwork
from ..commands import CommandError, lookup, run_operation
from ..cycles.operations import get_cycle
from ..extensions import db
from .draw import FrameError, canonical_seed, parse_frame_csv
from .operations import draw_cycle_sample, extend_stratum, get_sample, publish_cycle
from .rule import METHOD_PREFIX, DrawRule, draw_frame, sample_csv, stratum_of

FRAME_ERRORS = {  # one sentence per draw.FrameError code, worded with its figures
    "empty": lambda f: _("The frame is empty; its first line must be the header %(expected)s.", **f),
    "header": lambda f: _("The first line must be the header %(expected)s, not %(got)s.", **f),
    "csv_syntax": lambda f: _("This line cannot be read as CSV (an unclosed quote or a stray character)."),
    "columns": lambda f: _("The row has %(got)s fields; it needs %(expected)s.", **f),
    "empty_public_id": lambda f: _("The claim's public id is empty."),
    "empty_stratum": lambda f: _("The stratum is empty."),
    "duplicate_id": lambda f: _("The public id %(public_id)s is already on line %(first_line)s.", **f),
}


def frame_error_text(exc: FrameError) -> str:
    """A frame file that cannot be read, with its line, in the reader's language."""
    return _("Line %(line)d: %(problem)s", line=exc.line, problem=FRAME_ERRORS[exc.code](exc.figures))

sample_cli = click.Group("sample", help="The public draw.")
tasks_cli = click.Group("tasks", help="Field tasks.")


@sample_cli.command("draw")
@click.argument("code")
@click.option("--seed", required=True)
@with_appcontext
@acting_as("organizer")
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
@with_appcontext
def sample_verify(frame_file, seed, method, extensions, compare):
    """Re-derive the sample from the published frame and seed, without the database.

    The core's ValueErrors are worded here by kind: each input is checked in its own step.
    """
    try:
        rule = DrawRule.parse(method) if method else DrawRule()
    except ValueError:
        raise CommandError(_("The method %(method)s cannot be read: copy it exactly as published "
                             "(it starts with %(prefix)s).", method=method, prefix=METHOD_PREFIX)) from None
    try:
        canonical_seed(seed)
    except ValueError:
        raise CommandError(_("The seed is empty once its spaces are removed.")) from None
    try:
        rows = parse_frame_csv(Path(frame_file).read_text("utf-8-sig"))
    except UnicodeDecodeError:
        raise CommandError(_("%(file)s is not a UTF-8 text file.", file=frame_file)) from None
    except FrameError as exc:
        problem = frame_error_text(exc)
        raise CommandError(_("%(file)s: %(problem)s", file=frame_file, problem=problem)) from None
    strata = {stratum_of(row, rule) for row in rows}
    extend = {}
    for item in extensions:
        name, _sep, k = item.rpartition("=")
        if not k.isdigit() or name not in strata:
            raise CommandError(_("--extend takes STRATUM=K, a stratum of the frame and a whole number K: "
                                 "%(item)s", item=item))
        extend[name] = int(k)
    body = sample_csv(draw_frame(rows, seed, rule, extend))  # every input was checked above
    sys.stdout.write(body)
    if compare:
        published = Path(compare).read_text("utf-8-sig").replace("\r\n", "\n")
        if published != body:
            raise CommandError(_("The published sample differs from the one derived here."))
        click.echo(_("OK: the published sample matches."), err=True)


@sample_cli.command("extend")
@click.argument("code")
@click.option("--stratum", required=True)
@click.option("--count", default=1, show_default=True, type=int)
@with_appcontext
@acting_as("organizer")
def sample_extend(code, stratum, count):
    """Extend a stratum by the next lowest tickets (recorded)."""
    for item in run_operation(extend_stratum, lookup(get_cycle, code), stratum, count):
        click.echo(f"{item.public_id}\t{item.ticket_hex}")


@tasks_cli.command("assign")
@click.argument("code")
@click.option("--examiner", required=True)
@click.option("--claim", "claims", multiple=True, help="Public id; default: every unassigned task")
@with_appcontext
@acting_as("organizer")
def tasks_assign(code, examiner, claims):
    """Assign sampled claims to an examiner."""
    cycle = lookup(get_cycle, code)
    user = db.session.scalar(sa.select(User).where(User.username == examiner))
    if user is None:
        raise CommandError(_("There is no user %(name)s.", name=examiner))
    sample = get_sample(cycle)
    if sample is None:
        raise CommandError(_("The sample is drawn after the frame is frozen."))
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
@acting_as("organizer")
def cycle_publish(code):
    """Freeze the frame and publish; prints the frame's SHA-256."""
    click.echo(run_operation(publish_cycle, lookup(get_cycle, code)))


@click.command("end-fieldwork")
@click.argument("code")
@click.option("--reason", default="", help="Why fieldwork ends now (kept on the record; needed while claims are undecided)")
@with_appcontext
@acting_as("organizer")
def cycle_end_fieldwork(code, reason):
    """End fieldwork: no more visits are taken; the cycle moves to review."""
    run_operation(end_fieldwork, lookup(get_cycle, code), reason)
    click.echo("review")
