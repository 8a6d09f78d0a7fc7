"""Loading the place list into the database, all rows or none."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.models import record
from ..extensions import db
from ..errors import OperationError
from .csvimport import PlaceImportError, parse_places_csv
from .models import Place


def import_error_message(exc: PlaceImportError) -> str:
    lines = [_("Line %(line)d: %(problem)s (%(detail)s)", line=line, problem=_("place_error_" + code), detail=detail)
             for line, code, detail in exc.errors[:20]]
    return _("Nothing was imported.") + " " + " ".join(lines)


def import_places(data: bytes) -> int:
    """Create or update every place in the CSV; returns the number of rows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OperationError(_("The place list must be a UTF-8 CSV file.")) from None
    try:
        rows = parse_places_csv(text)
    except PlaceImportError as exc:
        raise OperationError(import_error_message(exc)) from None
    created: dict[str, Place] = {}
    pending = list(rows)
    while pending:
        progress = False
        for row in list(pending):
            if row.parent is not None and row.parent not in created:
                continue
            parent = created.get(row.parent) if row.parent else None
            place = db.session.scalar(sa.select(Place).where(
                Place.name == row.name,
                Place.parent_id == parent.id if parent else Place.parent_id.is_(None)))
            if place is None:
                place = Place(name=row.name, parent=parent, lat=row.lat, lon=row.lon)
                db.session.add(place)
            place.kind, place.lat, place.lon, place.crs = row.kind, row.lat, row.lon, row.crs
            db.session.flush()
            created[row.name] = place
            pending.remove(row)
            progress = True
        if not progress:  # parse_places_csv already refuses cycles; this keeps the loop finite
            raise OperationError(_("The place list has parents that cannot be resolved."))
    record("places.import", "place", "*", after={"rows": len(rows)})
    return len(rows)
