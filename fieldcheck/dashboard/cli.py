"""`fieldcheck audit export`: the audit trail as CSV, the same rows as the organizer's page."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from .audit import AuditFilter, csv_lines


@click.command("export")
@click.option("--cycle", default="", help="Only this cycle's events")
@click.option("--actor", default="", help="Only this person's events (user name)")
@click.option("--action", default="", help='An action, or a prefix ending in "." (e.g. task.)')
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Default: stdout")
@with_appcontext
def audit_export(cycle, actor, action, output):
    """Write the audit trail (oldest first, with each event's chain hash) as CSV."""
    lines = csv_lines(AuditFilter(cycle=cycle, actor=actor, action=action))
    if output:
        with Path(output).open("w", encoding="utf-8", newline="") as f:
            f.writelines(lines)
    else:
        sys.stdout.writelines(lines)
