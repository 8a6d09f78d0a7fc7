"""Pages anyone can read: the published reports, their claims, the seed and the sample."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.access import public
from ..app import limiter
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
    from ..sampling.operations import extensions_of

    sample = get_sample(cycle)
    return render_template("public/cycle.html", cycle=cycle, sample=sample,
                           extensions=extensions_of(sample) if sample else {})


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


@bp.route("/p/<code>/sample.csv")
@public
def sample_csv_view(code: str):
    """The drawn sample as CSV; `verify_sample.py` must print exactly these bytes."""
    from ..sampling.rule import Drawn, sample_csv

    cycle = published_cycle_or_404(code)
    sample = get_sample(cycle)
    if sample is None:
        abort(404)
    body = sample_csv(Drawn(i.public_id, i.stratum, i.rank, i.ticket_hex, i.reason) for i in sample.items)
    return Response(body, mimetype="text/csv; charset=utf-8")


@bp.route("/verify_sample.py")
@public
def verify_script():
    """The standalone, standard-library-only script that re-derives any sample."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "sampling" / "verify_sample.py"
    return Response(path.read_text("utf-8"), mimetype="text/x-python; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="verify_sample.py"'})


@bp.route("/p/<code>/<slug>/claims/<int:n>/feedback", methods=["POST"])
@public
@limiter.limit("5 per hour", methods=["POST"])
def feedback(code: str, slug: str, n: int):
    """Anyone may tell the organizers what they know about a claim."""
    from .feedback import HONEYPOT_FIELD, leave_feedback

    cycle = published_cycle_or_404(code)
    try:
        report = get_report(cycle, slug)
    except OperationError:
        abort(404)
    claim = next((c for c in report.claims if c.n == n and c.state == "confirmed"), None)
    if claim is None:
        abort(404)
    try:
        leave_feedback(claim, request.form.get("text", ""), request.form.get("contact", ""),
                       request.form.get(HONEYPOT_FIELD, ""))
        db.session.commit()
    except OperationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("public.report", code=code, slug=slug, _anchor=f"claim-{n}"))
    flash(_("Thank you. The organizers will look into it."))
    return redirect(url_for("public.report", code=code, slug=slug, _anchor=f"claim-{n}"))


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
