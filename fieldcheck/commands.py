"""What the area commands share: one transaction per command, and refusals as clean exits."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from .errors import OperationError
from .extensions import db
from .web import refuse

T = TypeVar("T")


def run_operation(func: Callable[..., T], *args, **kwargs) -> T:
    """Run one change and commit it, or undo it and exit with the refusal message (status 1)."""
    try:
        result = func(*args, **kwargs)
    except OperationError as exc:
        refuse(exc)
        raise click.ClickException(exc.message) from None
    db.session.commit()
    return result


def lookup(func: Callable[..., T], *args) -> T:
    """Load what a command argument names (a cycle by its code…), or exit with the message."""
    try:
        return func(*args)
    except OperationError as exc:
        raise click.ClickException(exc.message) from None
