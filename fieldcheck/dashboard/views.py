"""The organizer's cycle dashboard: reports, sample, fieldwork progress, and the cycle's next step."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from flask import Blueprint, Response, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import roles_required
from ..assignment.models import Task
from ..audit.chain import chain_head
from ..cycles.access import with_cycle
from ..cycles.models import Cycle
from ..assignment.operations import end_fieldwork
from ..cycles.operations import current_snapshot
from ..cycles.states import CYCLE
from ..extensions import db
from ..reports.models import Claim, Report
from ..sampling.models import SampleItem
from ..sampling.operations import draw_rule_of, get_sample
from ..web import change_and_flash
from .audit import AuditFilter, csv_lines, page_of

bp = Blueprint("dashboard", __name__)


@bp.route("/cycles/<code>")
@roles_required("organizer")
@with_cycle
def cycle(cycle: Cycle):
    """The cycle's dashboard: reports, claims, sample and progress."""
    counts = dict(db.session.execute(
        sa.select(Task.state, sa.func.count()).join(Claim).join(Report)
        .where(Report.cycle_id == cycle.id, Task.kind == "primary").group_by(Task.state)).all())
    # Counted by the database: the page never loads the claims or sample items themselves.
    confirmed = dict(db.session.execute(
        sa.select(Claim.report_id, sa.func.count()).join(Report, Report.id == Claim.report_id)
        .where(Report.cycle_id == cycle.id, Claim.state == "confirmed").group_by(Claim.report_id)).all())
    reports = db.session.scalars(sa.select(Report).where(Report.cycle_id == cycle.id)
                                 .options(joinedload(Report.unit)).order_by(Report.slug)).all()
    sample = get_sample(cycle)
    sampled = db.session.scalar(sa.select(sa.func.count()).select_from(SampleItem)
                                .where(SampleItem.sample_id == sample.id)) if sample else 0
    return render_template("dashboard/cycle.html", cycle=cycle, task_counts=counts, sample=sample,
                           reports=reports, confirmed=confirmed, sampled=sampled,
                           method=draw_rule_of(cycle).method, can_move=CYCLE.can, chain=chain_head(db.session),
                           snapshot=current_snapshot(cycle))


@bp.route("/cycles/<code>/end-fieldwork", methods=["POST"])
@roles_required("organizer")
@with_cycle
def finish_fieldwork(cycle: Cycle):
    """End fieldwork (no more visits are taken) and start the review of what came in."""
    change_and_flash(lambda: end_fieldwork(cycle, request.form.get("reason", ""), current_user),
                     lambda _r: _("Fieldwork ended; the cycle is in review."))
    return redirect(url_for("dashboard.cycle", code=cycle.code))


@bp.route("/audit")
@roles_required("organizer")
def audit():
    """The audit trail, newest first, filtered by cycle, person, action or object; a page at a time."""
    events_filter = AuditFilter.from_args(request.args)
    before = request.args.get("before", type=int)
    rows, next_before = page_of(events_filter, before)
    return render_template("dashboard/audit.html", rows=rows, filter=events_filter, next_before=next_before,
                           chain=chain_head(db.session))


@bp.route("/audit.csv")
@roles_required("organizer")
def audit_csv():
    """The filtered audit trail as CSV (UTF-8 with a BOM for spreadsheet programs), streamed."""
    events_filter = AuditFilter.from_args(request.args)
    lines = stream_with_context(csv_lines(events_filter))
    return Response(_with_bom(lines), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="fieldcheck-audit.csv"'})


def _with_bom(lines):
    yield "\ufeff"
    yield from lines
