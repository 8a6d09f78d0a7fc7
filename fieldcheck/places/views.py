"""Organizer page: the place list (import a CSV, see each place in its datum and in WGS-84)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.access import roles_required
from ..db import db
from ..errors import OperationError
from .models import Place
from .operations import import_places

bp = Blueprint("places", __name__, url_prefix="/places")


@bp.route("/", methods=["GET", "POST"])
@roles_required("organizer")
def index():
    """List the places and import a CSV (name,kind,parent,lat,lon,crs): all rows or none."""
    error = None
    if request.method == "POST":
        upload = request.files.get("csv")
        try:
            if upload is None or not upload.filename:
                raise OperationError(_("Choose a CSV file."))
            count = import_places(upload.read())
            db.session.commit()
            flash(_("%(n)d places imported.", n=count))
            return redirect(url_for("places.index"))
        except OperationError as exc:
            db.session.rollback()
            error = exc.message
    places = db.session.scalars(sa.select(Place).order_by(Place.parent_id.is_not(None), Place.name)).all()
    return render_template("places/index.html", places=places, error=error), (400 if error else 200)
