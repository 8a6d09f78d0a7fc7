"""The `fieldcheck` command (also `flask --app fieldcheck`): each step a person would script."""

from __future__ import annotations

from flask.cli import FlaskGroup

# Every model first: some areas build query options at import (assignment/site.py), which configures the
# mappers, and the console script imports this module before the app factory imports the models.
from . import models  # noqa: F401

from .accounts.cli import units, users
from .api.cli import tokens_cli
from .audit.cli import audit_cli
from .ballots.cli import ballot_cli
from .cycles.cli import cycle_cli
from .dashboard.cli import audit_export
from .demo.load import demo_command
from .evidence.cli import photo_cli
from .export.cli import export_cli
from .grading.cli import cycle_close, cycle_reopen, grade, routine_cli
from .maintenance.cli import backup_cli, doctor
from .places.cli import places_cli
from .rectification.cli import rectification_cli
from .reports.cli import claims_cli, report_cli
from .sampling.cli import cycle_end_fieldwork, cycle_publish, sample_cli, tasks_cli


def main() -> None:
    """Entry point of the console script."""
    from . import create_app  # the package's factory; `fieldcheck.app` imports this module

    cli = FlaskGroup(create_app=lambda: create_app(), help="fieldcheck: verify duty-report claims on site.")
    cli(prog_name="fieldcheck")


def register_commands(app) -> None:
    """Every area's commands on the app's `flask` / `fieldcheck` command line."""
    cycle_cli.add_command(cycle_publish)  # publishing freezes the frame, which the sampling area owns
    # Closing stores a snapshot of the grades too, which the grading area owns.
    cycle_cli.add_command(cycle_end_fieldwork)  # counts the undecided visits, which the assignment area owns
    cycle_cli.add_command(cycle_close)
    cycle_cli.add_command(cycle_reopen)
    audit_cli.add_command(audit_export)  # the export names people, which the audit area does not know
    for command in (photo_cli, users, units, cycle_cli, report_cli, claims_cli, places_cli, sample_cli, tasks_cli,
                    export_cli, audit_cli, backup_cli, doctor, ballot_cli, grade, routine_cli, rectification_cli,
                    tokens_cli, demo_command):
        app.cli.add_command(command)
