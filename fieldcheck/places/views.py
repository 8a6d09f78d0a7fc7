"""Organizer page: the place list (import a CSV, see each place in its datum and in WGS-84)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..access import roles_required
from ..extensions import db
from ..web import change_or_error
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
        if upload is None or not upload.filename:
            error = _("Choose a CSV file.")
        else:
            counted = []
            error = change_or_error(lambda: counted.append(import_places(upload.read())))
            if error is None:
                flash(_("%(n)d places imported.", n=counted[0]))
                return redirect(url_for("places.index"))
    places = db.session.scalars(sa.select(Place).order_by(Place.parent_id.is_not(None), Place.name)).all()
    return render_template("places/index.html", places=places, error=error), (400 if error else 200)
