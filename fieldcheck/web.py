"""Small helpers the thin views share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash

from .db import db
from .errors import OperationError

T = TypeVar("T")


def change_and_flash(change: Callable[[], T], message: Callable[[T], str]) -> T | None:
    """Run one change and commit it, flashing `message(result)`; on a refusal roll back and say why."""
    try:
        result = change()
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return None
    flash(message(result))
    return result


def change_or_error(change: Callable[[], T]) -> str | None:
    """Run one change and commit it; on a refusal roll back and return the message for the form."""
    try:
        change()
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        return exc.message
    return None
