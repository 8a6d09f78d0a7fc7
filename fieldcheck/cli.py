"""The `fieldcheck` command (also `flask --app fieldcheck`): each step a person would script."""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import FlaskGroup, with_appcontext

from .db import db
from .errors import OperationError


def main() -> None:
    """Entry point of the console script."""
    from . import create_app

    cli = FlaskGroup(create_app=lambda: create_app(), help="fieldcheck: verify duty-report claims on site.")
    cli(prog_name="fieldcheck")


def run_operation(func, *args, **kwargs):
    """Run one change and commit it, or roll back and exit with the refusal message."""
    try:
        result = func(*args, **kwargs)
        db.session.commit()
        return result
    except OperationError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None


def cycle_arg(code: str):
    from .cycles.operations import get_cycle

    try:
        return get_cycle(code)
    except OperationError as exc:
        raise click.ClickException(exc.message) from None


users = click.Group("users", help="Accounts.")
cycle_cli = click.Group("cycle", help="Assessment cycles.")
report_cli = click.Group("report", help="Reports.")
claims_cli = click.Group("claims", help="Claims in reports.")
places_cli = click.Group("places", help="The place list.")
sample_cli = click.Group("sample", help="The public draw.")
tasks_cli = click.Group("tasks", help="Field tasks.")


@users.command("create")
@click.argument("username")
@click.option("--roles", required=True, help="Comma-separated: organizer,examiner,reviewer")
@click.option("--password", help="Default: a random password, printed once.")
@click.option("--name", "display_name", default="")
@with_appcontext
def users_create(username, roles, password, display_name):
    """Create an account."""
    from .accounts.operations import create_user

    password = password or secrets.token_urlsafe(9)
    run_operation(create_user, username, password, [r.strip() for r in roles.split(",") if r.strip()],
                  display_name)
    click.echo(f"{username}\t{password}")


@cycle_cli.command("create")
@click.argument("code")
@click.option("--title", required=True)
@click.option("--minimum", default=3, show_default=True, type=click.IntRange(1, 100),
              help="Fewest claims sampled per stratum")
@click.option("--tolerable-share", default=0.2, show_default=True, type=float,
              help="Share of false claims the sample must catch")
@click.option("--confidence", default=0.9, show_default=True, type=float)
@click.option("--strata", type=click.Choice(["report", "report+aspect"]), default="report", show_default=True)
@click.option("--no-cover-aspects", is_flag=True, help="Do not add a claim for each aspect left unsampled")
@click.option("--aspects-file", type=click.Path(exists=True, dir_okay=False),
              help="Lines 'code | 中文名 | English | weight' (default: the five default aspects)")
@click.option("--questions-file", type=click.Path(exists=True, dir_okay=False), help="One question per line")
@with_appcontext
def cycle_create(code, title, minimum, tolerable_share, confidence, strata, no_cover_aspects, aspects_file,
                 questions_file):
    """Create a cycle with its aspects and interview questions."""
    from .cycles.operations import create_cycle, parse_aspect_lines, parse_question_lines

    try:
        aspects = parse_aspect_lines(Path(aspects_file).read_text("utf-8")) if aspects_file else None
        questions = parse_question_lines(Path(questions_file).read_text("utf-8")) if questions_file else None
    except OperationError as exc:
        raise click.ClickException(exc.message) from None
    cycle = run_operation(create_cycle, code, title, aspects, questions, minimum, tolerable_share=tolerable_share,
                          confidence=confidence, cover_aspects=not no_cover_aspects, strata=strata)
    click.echo(cycle.code)


@cycle_cli.command("publish")
@click.argument("code")
@with_appcontext
def cycle_publish(code):
    """Freeze the frame and publish; prints the frame's SHA-256."""
    from .sampling.operations import publish_cycle

    click.echo(run_operation(publish_cycle, cycle_arg(code)))


@report_cli.command("import")
@click.argument("code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", required=True)
@click.option("--secretary", required=True)
@click.option("--slug", required=True, help="Short name used in claim ids")
@click.option("--title", default="")
@click.option("--kind", default="county")
@with_appcontext
def report_import(code, file, unit, secretary, slug, title, kind):
    """Import a UTF-8 .txt/.md report; prints its SHA-256."""
    from .reports.operations import import_report, report_text_from_input

    cycle = cycle_arg(code)
    try:
        text = report_text_from_input(None, Path(file).read_bytes(), Path(file).name)
    except OperationError as exc:
        raise click.ClickException(exc.message) from None
    report = run_operation(import_report, cycle, unit_name=unit, secretary=secretary, title=title,
                           slug=slug, text=text, unit_kind=kind)
    click.echo(report.sha256)


@claims_cli.command("propose")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@click.option("--places", type=click.Path(exists=True, dir_okay=False), help="A place list CSV to find places")
def claims_propose(file, as_json, places):
    """Preview the claims the machine would propose for a report file."""
    from .reports.formats import extract_report_text
    from .reports.propose import propose_claims
    from .reports.text import ReportTextError

    try:
        text = extract_report_text(Path(file).read_bytes(), Path(file).name)
    except ReportTextError as exc:
        raise click.ClickException(f"{file}: {exc.code}") from None
    place_names = []
    if places:
        from .places.csvimport import PlaceImportError, parse_places_csv

        try:
            place_names = [row.name for row in parse_places_csv(Path(places).read_text("utf-8-sig"))]
        except PlaceImportError as exc:
            raise click.ClickException(f"{places}: {exc.errors[:3]}") from None
    proposals = propose_claims(text, place_names=place_names)
    if as_json:
        click.echo(json.dumps([{"start": p.start, "end": p.end, "text": p.text, "quantities": p.quantities,
                                "counted": p.counted, "places": p.places, "aspect": p.aspect,
                                "reasons": p.reasons} for p in proposals], ensure_ascii=False, indent=2))
    else:
        for p in proposals:
            click.echo(f"{p.start}-{p.end}\t{p.aspect or '-'}\t{p.text}")


@claims_cli.command("accept")
@click.argument("code")
@click.argument("slug")
@with_appcontext
def claims_accept(code, slug):
    """Accept every open proposal of a report as a confirmed claim."""
    from .reports.operations import accept_proposals, get_report

    try:
        report = get_report(cycle_arg(code), slug)
    except OperationError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(len(run_operation(accept_proposals, report)))


@places_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def places_import(file):
    """Import a place list CSV (name,kind,parent,lat,lon,crs); all rows or none."""
    from .places.operations import import_places

    click.echo(run_operation(import_places, Path(file).read_bytes()))


@sample_cli.command("draw")
@click.argument("code")
@click.option("--seed", required=True)
@with_appcontext
def sample_draw(code, seed):
    """Draw the sample with the public seed (once, for good)."""
    from .sampling.operations import draw_cycle_sample, refuse_second_draw

    cycle = cycle_arg(code)
    try:
        sample = draw_cycle_sample(cycle, seed, via="cli")
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        if exc.code == "already_drawn":
            refuse_second_draw(cycle, seed, "cli")
            db.session.commit()
        raise click.ClickException(exc.message) from None
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
    from .sampling.draw import parse_frame_csv
    from .sampling.rule import DrawRule, draw_frame, sample_csv

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
    from .sampling.operations import extend_stratum

    for item in run_operation(extend_stratum, cycle_arg(code), stratum, count):
        click.echo(f"{item.public_id}\t{item.ticket_hex}")


@tasks_cli.command("assign")
@click.argument("code")
@click.option("--examiner", required=True)
@click.option("--claim", "claims", multiple=True, help="Public id; default: every unassigned task")
@with_appcontext
def tasks_assign(code, examiner, claims):
    """Assign sampled claims to an examiner."""
    from .accounts.models import User
    from .field.models import Task
    from .sampling.operations import assign_task, get_sample

    cycle = cycle_arg(code)
    user = db.session.scalar(sa.select(User).where(User.username == examiner))
    sample = get_sample(cycle)
    if user is None or sample is None:
        raise click.ClickException("unknown examiner" if user is None else "no sample yet")
    wanted = set(claims)
    count = 0
    try:
        for item in sample.items:
            task = db.session.scalar(sa.select(Task).where(Task.claim_id == item.claim_id, Task.kind == "primary"))
            if (wanted and item.public_id not in wanted) or (not wanted and task.state != "unassigned"):
                continue
            assign_task(task, user)
            count += 1
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    click.echo(count)


@click.command("export")
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="json", show_default=True)
@click.option("--level", type=click.Choice(["report", "claim"]), default="report", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Default: stdout")
@with_appcontext
def export(code, fmt, level, output):
    """Export report- or claim-level scores."""
    from .scores.compute import claim_rows, report_rows, to_csv, to_json

    cycle = cycle_arg(code)
    if fmt == "json":
        body = to_json(cycle, level)
    else:
        body = to_csv(report_rows(cycle) if level == "report" else claim_rows(cycle))
    if output:
        Path(output).write_text(body, encoding="utf-8")
    else:
        sys.stdout.write(body if body.endswith("\n") else body + "\n")


def register_commands(app) -> None:
    from .demo.load import demo_command
    from .evidence.cli import photo_cli

    for command in (photo_cli, users, cycle_cli, report_cli, claims_cli, places_cli, sample_cli, tasks_cli, export,
                    demo_command):
        app.cli.add_command(command)
