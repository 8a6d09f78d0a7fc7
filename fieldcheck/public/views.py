"""Pages anyone can read: the published reports, their claims, the seed and the sample."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from ..access import public
from ..cycles.access import with_published_cycle
from ..cycles.models import Cycle, CycleSnapshot
from ..extensions import db, limiter
from ..reports.access import with_published_claim, with_published_report
from ..reports.highlight import report_blocks
from ..reports.models import Claim, Report
from ..sampling.draw import frame_csv
from ..sampling.models import SampleItem
from ..sampling.operations import extensions_of, frame_rows, get_sample, sample_page
from ..sampling.rule import Drawn, sample_csv
from ..web import change_and_flash
from .feedback import HONEYPOT_FIELD, leave_feedback

bp = Blueprint("public", __name__)


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
@with_published_cycle
def cycle(cycle: Cycle):
    """A cycle's reports, and after the draw its seed, frame hash and sample."""
    sample = get_sample(cycle)
    after = request.args.get("after", type=int)
    items, next_after = sample_page(sample, after) if sample else ([], None)
    reports = db.session.scalars(sa.select(Report).where(Report.cycle_id == cycle.id)
                                 .options(joinedload(Report.unit)).order_by(Report.slug)).all()
    # Every close snapshot, the one in force first: a reopening stays visible with the hash it replaced.
    snapshots = db.session.scalars(sa.select(CycleSnapshot).where(CycleSnapshot.cycle_id == cycle.id)
                                   .order_by(CycleSnapshot.id.desc())).all()
    return render_template("public/cycle.html", cycle=cycle, sample=sample, reports=reports, items=items,
                           after=after, next_after=next_after, extensions=extensions_of(sample) if sample else {},
                           snapshots=snapshots)


@bp.route("/p/<code>/frame.csv")
@public
@with_published_cycle
def frame(cycle: Cycle):
    """The frozen frame as CSV, exactly the bytes whose SHA-256 is published."""
    sample = get_sample(cycle)
    if sample is None:
        body = frame_csv(frame_rows(cycle))
    else:
        body = sample.frame_csv
    return Response(body, mimetype="text/csv; charset=utf-8")


@bp.route("/p/<code>/sample.csv")
@public
@with_published_cycle
def sample_csv_view(cycle: Cycle):
    """The drawn sample as CSV; `verify_sample.py` must print exactly these bytes."""
    sample = get_sample(cycle)
    if sample is None:
        abort(404)
    body = sample_csv(Drawn(i.public_id, i.stratum, i.rank, i.ticket_hex, i.reason) for i in sample.items)
    return Response(body, mimetype="text/csv; charset=utf-8")


@bp.route("/verify_sample.py")
@public
def verify_script():
    """The standalone, standard-library-only script that re-derives any sample."""
    path = Path(__file__).resolve().parent.parent / "sampling" / "verify_sample.py"
    return Response(path.read_text("utf-8"), mimetype="text/x-python; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="verify_sample.py"'})


@bp.route("/p/<code>/<slug>/claims/<int:n>/feedback", methods=["POST"])
@public
# A village behind one shared address may send many leads, but only a few on any one claim.
@limiter.limit("60 per hour", methods=["POST"])
@limiter.limit("5 per hour", methods=["POST"], key_func=lambda: f"{get_remote_address()} {request.path}")
@with_published_claim
def feedback(claim: Claim):
    """Anyone may tell the organizers what they know about a claim."""
    change_and_flash(lambda: leave_feedback(claim, request.form.get("text", ""), request.form.get("contact", ""),
                                            request.form.get(HONEYPOT_FIELD, "")),
                     lambda _r: _("Thank you. The organizers will look into it."))
    return redirect(url_for("public.report", code=claim.report.cycle.code, slug=claim.report.slug,
                            _anchor=f"claim-{claim.n}"))


@bp.route("/p/<code>/<slug>")
@public
@with_published_report
def report(report: Report):
    """A published report with its claims highlighted."""
    cycle = report.cycle
    sample = get_sample(cycle)
    # This report's sampled claims only, never the whole cycle's sample.
    sampled = set(db.session.scalars(sa.select(SampleItem.claim_id).join(Claim, Claim.id == SampleItem.claim_id)
                                     .where(SampleItem.sample_id == sample.id, Claim.report_id == report.id))) \
        if sample else set()
    return render_template("public/report.html", cycle=cycle, report=report, blocks=report_blocks(report),
                           sampled=sampled)


@bp.route("/p")
@public
def cycles_redirect():
    """Old links to the list of cycles."""
    return redirect(url_for("public.index"))
