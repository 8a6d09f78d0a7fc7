"""Counting the SQL statements a request sends (SQLAlchemy's `before_cursor_execute` on the engine)."""

from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa


@contextmanager
def counted(app):
    """Collect every statement the app's engine executes inside the block."""
    from fieldcheck.extensions import db

    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)


def statements_of(app, call) -> tuple[object, list[str]]:
    """The response of `call()` and the statements it sent."""
    with counted(app) as statements:
        response = call()
    return response, list(statements)
