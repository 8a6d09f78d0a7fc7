"""What the area commands share: one transaction per command, and refusals as clean exits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click
from flask_babel import gettext as _

from .errors import OperationError
from .extensions import db
from .web import refuse

T = TypeVar("T")


class CommandError(click.ClickException):
    """A command's refusal (exit status 1), its "Error:" prefix in the reader's language too.

    The line is worded when the error is raised: click prints it after the command's app context
    has ended, when gettext no longer knows the language.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.line = _("Error: %(message)s", message=message)

    def show(self, file=None) -> None:
        click.echo(self.line, file=file, err=True)


def run_operation(func: Callable[..., T], *args, **kwargs) -> T:
    """Run one change and commit it, or undo it and exit with the refusal message (status 1)."""
    try:
        result = func(*args, **kwargs)
    except OperationError as exc:
        refuse(exc)
        raise CommandError(exc.message) from None
    db.session.commit()
    return result


def lookup(func: Callable[..., T], *args) -> T:
    """Load what a command argument names (a cycle by its code…), or exit with the message."""
    try:
        return func(*args)
    except OperationError as exc:
        raise CommandError(exc.message) from None
