"""Pages anyone can read: the published reports, their claims, the seed and the sample."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, redirect, render_template, url_for

from ..accounts.access import public
from ..cycles.models import Cycle
from ..db import db
from ..errors import OperationError
from ..reports.operations import get_report
from ..reports.views import segments
from ..sampling.operations import get_sample

bp = Blueprint("public", __name__)


def published_cycle_or_404(code: str) -> Cycle:
    cycle = db.session.scalar(sa.select(Cycle).where(Cycle.code == code))
    if cycle is None or cycle.state == "draft":
        abort(404)
    return cycle


@bp.route("/")
@public
def index():
    """The published cycles."""
    cycles = db.session.scalars(sa.select(Cycle).where(Cycle.state != "draft").order_by(Cycle.code.desc())).all()
    return render_template("public/index.html", cycles=cycles)


@bp.route("/healthz")
@public
def healthz():
    """For the load balancer: the app answers and the database is reachable."""
    db.session.execute(sa.text("SELECT 1"))
    return {"ok": True}


@bp.route("/p/<code>")
@public
def cycle(code: str):
    """A cycle's reports, and after the draw its seed, frame hash and sample."""
    cycle = published_cycle_or_404(code)
    return render_template("public/cycle.html", cycle=cycle, sample=get_sample(cycle))


@bp.route("/p/<code>/frame.csv")
@public
def frame(code: str):
    """The frozen frame as CSV, exactly the bytes whose SHA-256 is published."""
    cycle = published_cycle_or_404(code)
    sample = get_sample(cycle)
    if sample is None:
        from ..sampling.draw import frame_csv
        from ..sampling.operations import frame_rows

        body = frame_csv(frame_rows(cycle))
    else:
        body = sample.frame_csv
    return Response(body, mimetype="text/csv; charset=utf-8")


@bp.route("/p/<code>/<slug>")
@public
def report(code: str, slug: str):
    """A published report with its claims highlighted."""
    cycle = published_cycle_or_404(code)
    try:
        report = get_report(cycle, slug)
    except OperationError:
        abort(404)
    sample = get_sample(cycle)
    sampled = {item.claim_id for item in sample.items} if sample else set()
    return render_template("public/report.html", cycle=cycle, report=report, segments=segments(report),
                           sampled=sampled)


@bp.route("/p")
@public
def cycles_redirect():
    """Old links to the list of cycles."""
    return redirect(url_for("public.index"))
