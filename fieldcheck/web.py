"""The transaction boundary and the small helpers the thin views share.

One transaction per request, as indico does it: operations only `flush()`; the request commits
once, after the view returned a response below 400, and rolls back otherwise (`init_transactions`).
A refusal (`OperationError`) is handled in one place, `refuse`: roll back, then keep on file what
the refusal asks to keep.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, flash, g

from .errors import OperationError
from .extensions import db

T = TypeVar("T")


def refuse(exc: OperationError) -> None:
    """Undo everything the refused change wrote; record what must survive it, in its own commit."""
    db.session.rollback()
    if exc.on_refusal is not None:
        exc.on_refusal()
        db.session.commit()


def init_transactions(app: Flask) -> None:
    """Commit each request once at the end when it succeeded, roll it back when it did not."""

    @app.after_request
    def end_transaction(response):
        if response.status_code < 400 or g.pop("keep_changes", False):
            try:
                db.session.commit()
            except OperationError as exc:
                # A refusal found only at the final flush (e.g. a text longer than its column) is
                # answered like every other refusal, not as a server error.
                return app.make_response(app.handle_user_exception(exc))
        else:
            db.session.rollback()
        return response


def keep_changes() -> None:
    """Commit this request's changes although it answers with an error status (a partly refused batch)."""
    g.keep_changes = True


def change_and_flash(change: Callable[[], T], message: Callable[[T], str]) -> T | None:
    """Run one change, flashing `message(result)`; on a refusal undo it and flash why."""
    try:
        result = change()
        db.session.flush()  # what only the flush refuses (guard.check_lengths) is refused here too
    except OperationError as exc:
        refuse(exc)
        flash(exc.message, "error")
        return None
    flash(message(result))
    return result


def change_or_error(change: Callable[[], T]) -> str | None:
    """Run one change; on a refusal undo it and return the message for the form."""
    try:
        change()
        db.session.flush()  # what only the flush refuses (guard.check_lengths) is refused here too
    except OperationError as exc:
        refuse(exc)
        return exc.message
    return None
