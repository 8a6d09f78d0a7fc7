"""Loading a cycle from the URL for the views of every area."""

from __future__ import annotations

import sqlalchemy as sa

from ..access import loads
from ..extensions import db
from .models import Cycle


def cycle_by_code(code: str) -> Cycle | None:
    return db.session.scalar(sa.select(Cycle).where(Cycle.code == code))


# The view gets `cycle` for the URL's <code> (404 when there is none).
with_cycle = loads("cycle", cycle_by_code, "code")


def published_cycle(code: str) -> Cycle | None:
    """A cycle the public may see: anything but a draft."""
    cycle = cycle_by_code(code)
    return cycle if cycle is not None and cycle.state != "draft" else None


with_published_cycle = loads("cycle", published_cycle, "code")
