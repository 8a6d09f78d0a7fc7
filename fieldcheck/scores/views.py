"""Scores and their export."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, render_template, request

from ..access import roles_required
from ..cycles.access import with_cycle
from ..cycles.models import Cycle
from ..cycles.settings import settings_of
from ..extensions import db
from ..reports.models import Report
from .compute import claim_rows, cycle_scores, formula_text, report_rows, to_csv, to_json

bp = Blueprint("scores", __name__, url_prefix="/cycles/<code>/scores")
PAGE = 20  # reports per page


@bp.route("/")
@roles_required("organizer", "reviewer")
@with_cycle
def show(cycle: Cycle):
    """Per report and per aspect scores with their basis, a page of reports at a time; one report's claims.

    `?report=SLUG` shows that report with every claim counted; otherwise reports in slug order, PAGE at
    a time after `?after=SLUG` (keyset), so the page costs the same for 2 reports or 2,000.
    """
    settings = settings_of(cycle)
    single = request.args.get("report")
    after = request.args.get("after", "")
    query = sa.select(Report.id, Report.slug).where(Report.cycle_id == cycle.id).order_by(Report.slug)
    if single is not None:
        page = db.session.execute(query.where(Report.slug == single)).all()
        if not page:
            abort(404)
    else:
        page = db.session.execute(query.where(Report.slug > after).limit(PAGE + 1)).all()
    next_after = page[PAGE - 1].slug if single is None and len(page) > PAGE else None
    scores = cycle_scores(cycle, [row.id for row in page[:PAGE]])
    return render_template("scores/show.html", cycle=cycle, scores=scores, settings=settings,
                           formula=formula_text(settings), single=single is not None, next_after=next_after,
                           after=after)


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
