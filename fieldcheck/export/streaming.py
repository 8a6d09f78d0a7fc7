"""A streamed download of a cycle's export, for any view (the export pages, the read API)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flask import Response, current_app

from ..cycles.models import Cycle
from ..extensions import db


def read_snapshot() -> None:
    """Begin the session's transaction as one read-only snapshot (PostgreSQL REPEATABLE READ), so
    that every table of an export sees the same moment even while others keep writing. Call it
    first in a fresh session; SQLite's default is kept."""
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})


def streamed(cycle: Cycle, make: Callable[[Cycle], Iterator[bytes]], content_type: str, filename: str,
             headers: dict | None = None) -> Response:
    """A streamed attachment: the rows go out as they are read, nothing is held whole.

    `make(cycle)` gives the chunks (e.g. `package.stream_zip`). The body is written after the
    request (and its transaction) has ended: it runs in an app context of its own, with its own
    session and one read snapshot, from the first chunk to the last (popped when the client goes
    away too). Nothing is started when nobody reads the body."""
    app = current_app._get_current_object()
    cycle_id = cycle.id

    def chunks():
        with app.app_context():
            read_snapshot()
            yield from make(db.session.get(Cycle, cycle_id))

    return Response(chunks(), content_type=content_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store", **(headers or {})})
