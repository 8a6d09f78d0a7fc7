"""Loading the place list into the database, all rows or none."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.models import record
from ..extensions import db
from ..errors import OperationError
from .csvimport import PlaceImportError, parse_places_csv
from .models import Place


PLACE_ERRORS = {  # one sentence per csvimport.ERROR_CODES code, worded with its figures
    "empty_file": lambda f: _("The file is empty."),
    "header": lambda f: _("The first line must be the header %(expected)s, not %(got)s.", **f),
    "csv_syntax": lambda f: _("This line cannot be read as CSV (an unclosed quote or a stray character)."),
    "columns": lambda f: _("The row has %(got)s fields; it needs %(expected)s.", **f),
    "empty_name": lambda f: _("The name is empty."),
    "duplicate_name": lambda f: (
        _("%(name)s under %(parent)s is already on line %(first_line)s.", **f) if f["parent"]
        else _("%(name)s is already on line %(first_line)s.", **f)),
    "lat_range": lambda f: _("The latitude %(value)s is outside -90 to 90.", **f),
    "lon_range": lambda f: _("The longitude %(value)s is outside -180 to 180.", **f),
    "not_a_number": lambda f: _("The %(column)s column is not a number: %(value)s.", **f),
    "crs": lambda f: _("The datum %(value)s is not one of %(allowed)s.", **f),
    "unknown_parent": lambda f: _("The parent %(parent)s of %(name)s is neither in the file nor among the places "
                                  "already imported.", **f),
    "ambiguous_parent": lambda f: _("%(count)s places are named %(parent)s: the parent is ambiguous.", **f),
    "parent_cycle": lambda f: _("%(name)s is its own ancestor through %(parent)s.", **f),
}


def place_error_text(code: str, figures: dict[str, str]) -> str:
    """One problem of the place list (a csvimport.ERROR_CODES code), in the user's language."""
    return PLACE_ERRORS[code](figures)


def place_problems_text(exc: PlaceImportError) -> str:
    """Each problem of a place list with its line, at most 20, in the user's language."""
    lines = [_("Line %(line)d: %(problem)s", line=line, problem=place_error_text(code, figures))
             for line, code, figures in exc.errors[:20]]
    more = [_("(and %(n)d more)", n=len(exc.errors) - 20)] if len(exc.errors) > 20 else []
    return " ".join([*lines, *more])


def import_error_message(exc: PlaceImportError) -> str:
    """The refusal of a place list: nothing was imported, and why."""
    return _("Nothing was imported.") + " " + place_problems_text(exc)


def import_places(data: bytes) -> int:
    """Create or update every place in the CSV; returns the number of rows."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise OperationError(_("The place list must be a UTF-8 CSV file.")) from None
    known = dict(db.session.execute(sa.select(Place.name, sa.func.count(Place.id)).group_by(Place.name)).all())
    try:
        rows = parse_places_csv(text, known)
    except PlaceImportError as exc:
        raise OperationError(import_error_message(exc)) from None
    in_file = {row.name for row in rows}
    # Parents named only in the database (an incremental list): the one place of that name.
    created: dict[str, Place] = {
        place.name: place for place in db.session.scalars(sa.select(Place).where(
            Place.name.in_({row.parent for row in rows if row.parent and row.parent not in in_file})))}
    new_count = 0
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
                new_count += 1
            place.kind, place.lat, place.lon, place.crs = row.kind, row.lat, row.lon, row.crs
            db.session.flush()
            created[row.name] = place
            pending.remove(row)
            progress = True
        if not progress:  # parse_places_csv already refuses cycles; this keeps the loop finite
            raise OperationError(_("The place list has parents that cannot be resolved."))
    record("places.import", "place", "*", after={"rows": len(rows), "new": new_count})
    return len(rows)
