"""`fieldcheck cycle ...`: create (publishing and ending fieldwork are the sampling area's `cycle publish` / `cycle end-fieldwork`; closing
and reopening are the grading area's `cycle close` / `cycle reopen`: the close snapshot holds the grades)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..accounts.actor import acting_as
from ..commands import CommandError, run_operation
from ..errors import OperationError
from . import defaults
from .operations import create_cycle, parse_aspect_lines, parse_question_lines

cycle_cli = click.Group("cycle", help="Assessment cycles.")


@cycle_cli.command("create")
@click.argument("code")
@click.option("--title", required=True)
@click.option("--minimum", default=defaults.MIN_PER_STRATUM, show_default=True, type=click.IntRange(1, 100),
              help="Fewest claims sampled per stratum")
@click.option("--tolerable-share", default=defaults.TOLERABLE_SHARE, show_default=True, type=float,
              help="Share of false claims the sample must catch")
@click.option("--confidence", default=defaults.CONFIDENCE, show_default=True, type=float)
@click.option("--strata", type=click.Choice(defaults.STRATA), default=defaults.DEFAULT_STRATA, show_default=True)
@click.option("--no-cover-aspects", is_flag=True, help="Do not add a claim for each aspect left unsampled")
@click.option("--aspects-file", type=click.Path(exists=True, dir_okay=False),
              help="Lines 'code | 中文名 | English | weight' (default: the five default aspects)")
@click.option("--questions-file", type=click.Path(exists=True, dir_okay=False), help="One question per line")
@with_appcontext
@acting_as("organizer")
def cycle_create(code, title, minimum, tolerable_share, confidence, strata, no_cover_aspects, aspects_file,
                 questions_file):
    """Create a cycle with its aspects and interview questions."""
    try:
        aspects = parse_aspect_lines(Path(aspects_file).read_text("utf-8")) if aspects_file else None
        questions = parse_question_lines(Path(questions_file).read_text("utf-8")) if questions_file else None
    except OperationError as exc:
        raise CommandError(exc.message) from None
    cycle = run_operation(create_cycle, code, title, aspects, questions, minimum, tolerable_share=tolerable_share,
                          confidence=confidence, cover_aspects=not no_cover_aspects, strata=strata)
    click.echo(cycle.code)
