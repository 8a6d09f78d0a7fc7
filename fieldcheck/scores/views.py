"""Scores (their export lives in fieldcheck/export)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request

from ..access import roles_required
from ..cycles.access import with_cycle
from ..cycles.models import Cycle
from ..cycles.settings import settings_of
from ..extensions import db
from ..reports.models import Report
from .compute import cycle_scores, formula_text

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
