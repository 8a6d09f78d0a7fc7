"""`fieldcheck ballot create|import`: the meeting's one-time codes as a printable sheet; paper tallies."""

from __future__ import annotations

from datetime import timedelta
from html import escape
from pathlib import Path

import click
import segno
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..accounts.actor import acting_as
from ..commands import CommandError, lookup, run_operation
from ..cycles.operations import get_cycle
from ..db import utcnow
from .operations import import_paper_tally, open_round, rounds_of

ballot_cli = click.Group("ballot", help="The duty-report meeting's anonymous ballot.")


def sheet_html(title: str, urls: list[str]) -> str:
    """A self-contained page of QR codes to print, one per attendee (no external file)."""
    cells = "".join(
        f'<div class="c"><p><b>{escape(title)}</b></p>'
        f'{segno.make(url, error="m").svg_inline(scale=4, border=2)}<p class="u">{escape(url)}</p></div>'
        for url in urls)
    return ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>" + escape(title) + "</title>"
            "<style>body{font-family:sans-serif}.c{display:inline-block;width:45%;margin:1%;padding:8px;"
            "border:1px dashed #555;page-break-inside:avoid;text-align:center}.u{font:10px monospace;"
            "word-break:break-all}</style><body>" + cells + "</body></html>")


@ballot_cli.command("create")
@click.argument("code")
@click.option("--count", required=True, type=click.IntRange(1, 500), help="Attendees: one code each")
@click.option("--hours", default=4.0, show_default=True, type=click.FloatRange(0.1, 720), help="Open for")
@click.option("--title", default="", help="Printed on every code")
@click.option("--base-url", required=True, help="The address attendees' phones reach, e.g. https://fieldcheck.example")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, writable=True),
              help="The sheet to print (.html)")
@with_appcontext
@acting_as("organizer")
def ballot_create(code, count, hours, title, base_url, output):
    """Open a ballot and write its one-time codes as a sheet of QR codes (shown once, never stored)."""
    if not output.endswith(".html"):
        raise CommandError(_("Write the sheet as .html (print it from the browser, or save it as PDF there)."))
    ballot, raw = run_operation(open_round, lookup(get_cycle, code), title, count, utcnow() + timedelta(hours=hours))
    urls = [f"{base_url.rstrip('/')}/b/{token}" for token in raw]
    Path(output).write_text(sheet_html(ballot.title, urls), encoding="utf-8")
    click.echo(_("%(n)d codes written to %(file)s; the ballot closes at %(at)s UTC.", n=count, file=output,
                 at=ballot.closes_at.strftime("%Y-%m-%d %H:%M")))


@ballot_cli.command("import")
@click.argument("code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
@acting_as("organizer")
def ballot_import(code, file):
    """Add paper ballots counted by hand to the cycle's newest ballot (CSV: unit,好,较好,一般,差)."""
    rounds = rounds_of(lookup(get_cycle, code))
    if not rounds:
        raise CommandError(_("This cycle has no ballot yet."))
    click.echo(run_operation(import_paper_tally, rounds[-1], Path(file).read_bytes()))
