"""`fieldcheck report ...` and `fieldcheck claims ...`: import reports, propose and accept claims."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask_babel import get_locale
from flask_babel import gettext as _
from flask.cli import with_appcontext

from ..accounts.actor import acting_as
from ..commands import CommandError, lookup, run_operation
from ..cycles.defaults import DEFAULT_ASPECTS
from ..cycles.operations import get_cycle
from ..errors import OperationError
from ..places.csvimport import PlaceImportError, parse_places_csv
from ..places.operations import place_problems_text
from .formats import extract_report_text
from .lint import DEFAULT_MAX_CHARS, lint_report
from .operations import (accept_proposals, get_report, import_report, lint_text, reason_text, report_refusal,
                         report_text_from_input)
from .propose import propose_claims
from .text import NORMALISATION_STEPS, ReportTextError, report_sha256

report_cli = click.Group("report", help="Reports.")
claims_cli = click.Group("claims", help="Claims in reports.")


@report_cli.command("import")
@click.argument("code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--unit", required=True)
@click.option("--secretary", required=True)
@click.option("--slug", required=True, help="Short name used in claim ids")
@click.option("--title", default="")
@click.option("--kind", default="county")
@with_appcontext
@acting_as("organizer")
def report_import(code, file, unit, secretary, slug, title, kind):
    """Import a UTF-8 .txt/.md report; prints its SHA-256."""
    cycle = lookup(get_cycle, code)
    try:
        text = report_text_from_input(None, Path(file).read_bytes(), Path(file).name)
    except OperationError as exc:
        raise CommandError(exc.message) from None
    report = run_operation(import_report, cycle, unit_name=unit, secretary=secretary, title=title,
                           slug=slug, text=text, unit_kind=kind)
    click.echo(report.sha256)


def _read_report(file: str) -> str:
    try:
        return extract_report_text(Path(file).read_bytes(), Path(file).name)
    except ReportTextError as exc:
        problem = report_refusal(exc.code)
        raise CommandError(_("%(file)s: %(problem)s", file=file, problem=problem)) from None


def _lines_of(file: str | None) -> list[str]:
    if not file:
        return []
    return [line.strip() for line in Path(file).read_text("utf-8-sig").splitlines() if line.strip()]


@report_cli.command("lint")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@click.option("--max-chars", type=click.IntRange(min=1), default=DEFAULT_MAX_CHARS, show_default=True,
              help="The length limit for a report")
@click.option("--inflated", type=click.Path(exists=True, dir_okay=False),
              help="A file of inflated phrases, one a line, instead of the built-in list")
@click.option("--rectification", type=click.Path(exists=True, dir_okay=False),
              help="Last year's rectification items, one a line")
@with_appcontext
def report_lint(file, as_json, max_chars, inflated, rectification):
    """The verifiability check of a draft: suggested comments, each with its span.

    --json prints text_sha256, chars, inflated_per_thousand and findings (code, start, end, text,
    figures; start/end are offsets into the normalised text, null for an unanswered item).
    """
    text = _read_report(file)
    options = {"max_chars": max_chars, "rectification_items": _lines_of(rectification)}
    if inflated:
        options["inflated"] = _lines_of(inflated)
    result = lint_report(text, **options)
    if as_json:
        click.echo(json.dumps({"text_sha256": report_sha256(text), "chars": result.chars,
                               "inflated_per_thousand": result.inflated_per_thousand,
                               "findings": [{"code": f.code, "start": f.start, "end": f.end, "text": f.text,
                                             "figures": f.figures} for f in result.findings]},
                              ensure_ascii=False, indent=2))
        return
    for f in result.findings:
        where = f"{f.start}-{f.end}" if f.start is not None else "-"
        click.echo(f"{where}\t{lint_text(f.code, f.figures)}\t{f.text}")
    density = format(result.inflated_per_thousand, "g")
    click.echo(_("%(n)s inflated phrases per thousand characters.", n=density))


@claims_cli.command("propose")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output")
@click.option("--places", type=click.Path(exists=True, dir_okay=False), help="A place list CSV to find places")
@click.option("--text", "with_text", is_flag=True, help="With --json: include the normalised text itself")
@with_appcontext
def claims_propose(file, as_json, places, with_text):
    """Preview the claims the machine would propose for a report file.

    --json prints one object: text_sha256 (of the normalised text the offsets refer to),
    normalisation (the steps applied), proposals (start, end, text, aspect or null, places,
    quantities with value, unit and role, claimed_quantity or null, counted, reasons as
    {"code", figures…}); --text adds the normalised text. The text output is worded in the
    reader's language (FIELDCHECK_LANG).
    """
    text = _read_report(file)
    place_names = []
    if places:
        try:
            place_names = [row.name for row in parse_places_csv(Path(places).read_text("utf-8-sig"))]
        except PlaceImportError as exc:
            problem = place_problems_text(exc)
            raise CommandError(_("%(file)s: %(problem)s", file=places, problem=problem)) from None
    proposals = propose_claims(text, place_names=place_names)
    if as_json:
        doc = {"text_sha256": report_sha256(text),
               "normalisation": ["control_characters_removed", *NORMALISATION_STEPS],
               "proposals": [proposal_json(p) for p in proposals]}
        if with_text:
            doc["text"] = text
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        english = str(get_locale() or "zh") == "en"
        names = {code: en if english else zh for code, zh, en in DEFAULT_ASPECTS}
        for p in proposals:
            why = " · ".join(reason_text(code, figures) for code, figures in p.reasons)
            aspect = names.get(p.aspect or "") or _("aspect needed")
            click.echo(f"{p.start}-{p.end}\t{aspect}\t{p.text}\t{why}")


def proposal_json(p) -> dict:
    """One proposal for `claims propose --json`."""
    return {"start": p.start, "end": p.end, "text": p.text, "aspect": p.aspect, "places": p.places,
            "quantities": [{"value": value, "unit": unit, "role": role}
                           for (value, unit), role in zip(p.quantities, p.roles)],
            "claimed_quantity": {"value": p.claimed[0], "unit": p.claimed[1]} if p.claimed else None,
            "counted": p.counted, "reasons": [{"code": code, **figures} for code, figures in p.reasons]}


@claims_cli.command("accept")
@click.argument("code")
@click.argument("slug")
@with_appcontext
@acting_as("organizer")
def claims_accept(code, slug):
    """Accept every open proposal of a report as a confirmed claim."""
    try:
        report = get_report(lookup(get_cycle, code), slug)
    except OperationError as exc:
        raise CommandError(exc.message) from None
    click.echo(len(run_operation(accept_proposals, report)))
