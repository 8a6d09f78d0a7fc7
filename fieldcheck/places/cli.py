"""`fieldcheck places ...`: the place list."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..accounts.actor import acting_as
from ..commands import run_operation
from .operations import import_places

places_cli = click.Group("places", help="The place list.")


@places_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
@acting_as("organizer")
def places_import(file):
    """Import a place list CSV (name,kind,parent,lat,lon,crs); all rows or none."""
    click.echo(run_operation(import_places, Path(file).read_bytes()))
