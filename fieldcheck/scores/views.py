"""Scores and their export."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from ..access import roles_required
from ..cycles.access import with_cycle
from ..cycles.models import Cycle
from ..cycles.settings import settings_of
from .compute import claim_rows, cycle_scores, formula_text, report_rows, to_csv, to_json

bp = Blueprint("scores", __name__, url_prefix="/cycles/<code>/scores")


@bp.route("/")
@roles_required("organizer", "reviewer")
@with_cycle
def show(cycle: Cycle):
    """Per report, per aspect and per claim scores with their basis."""
    settings = settings_of(cycle)
    return render_template("scores/show.html", cycle=cycle, scores=cycle_scores(cycle), settings=settings,
                           formula=formula_text(settings))


@bp.route("/export.<fmt>")
@roles_required("organizer", "reviewer")
@with_cycle
def export(cycle: Cycle, fmt: str):
    """Download report-level (default) or claim-level scores as CSV or JSON."""
    level = request.args.get("level", "report")
    if level not in ("report", "claim") or fmt not in ("csv", "json"):
        abort(404)
    filename = f"fieldcheck-{cycle.code}-{level}.{fmt}"
    if fmt == "csv":
        rows = report_rows(cycle) if level == "report" else claim_rows(cycle)
        # A BOM so that Excel on Windows opens the Chinese text as UTF-8.
        body, mimetype = "\ufeff" + to_csv(rows), "text/csv; charset=utf-8"
    else:
        body, mimetype = to_json(cycle, level), "application/json"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
