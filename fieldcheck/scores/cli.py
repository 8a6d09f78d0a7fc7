"""`fieldcheck export`: report- or claim-level scores."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..commands import lookup
from ..cycles.operations import get_cycle
from .compute import claim_rows, report_rows, to_csv, to_json

@click.command("export")
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="json", show_default=True)
@click.option("--level", type=click.Choice(["report", "claim"]), default="report", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Default: stdout")
@with_appcontext
def export(code, fmt, level, output):
    """Export report- or claim-level scores."""
    cycle = lookup(get_cycle, code)
    if fmt == "json":
        body = to_json(cycle, level)
    else:
        body = to_csv(report_rows(cycle) if level == "report" else claim_rows(cycle))
    if output:
        Path(output).write_text(body, encoding="utf-8")
    else:
        sys.stdout.write(body if body.endswith("\n") else body + "\n")
