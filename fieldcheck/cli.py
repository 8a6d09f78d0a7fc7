"""The `fieldcheck` command (also `flask --app fieldcheck`): each step a person would script."""

from __future__ import annotations

import click
from flask.cli import FlaskGroup

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


def register_commands(app) -> None:
    from .accounts.cli import units, users
    from .cycles.cli import cycle_cli
    from .demo.load import demo_command
    from .evidence.cli import photo_cli
    from .places.cli import places_cli
    from .reports.cli import claims_cli, report_cli
    from .sampling.cli import sample_cli, tasks_cli
    from .scores.cli import export

    for command in (photo_cli, users, units, cycle_cli, report_cli, claims_cli, places_cli, sample_cli, tasks_cli, export,
                    demo_command):
        app.cli.add_command(command)
