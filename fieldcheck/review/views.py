"""Reviewer pages: the queue with its filters, one verification with its evidence, bulk approval."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..access import roles_required
from ..assignment.operations import counterpart_disagreement
from ..assignment.states import can_decide
from ..cycles.settings import settings_of
from ..evidence.flags import FLAG_CODES
from ..extensions import db
from ..field.access import with_reviewable_verification
from ..field.models import Verification
from ..web import change_and_flash, change_or_error
from .evidence import evidence_view, preload
from .models import PROPOSED_REJECTION
from .operations import decide, pending_rejection
from .queue import AGES, Filters, next_in_queue, queue_counts, queue_page, unflagged

bp = Blueprint("review", __name__, url_prefix="/review")


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[
        ("approve", _l("Approve")), ("return", _l("Return for more evidence")), ("reject", _l("Reject"))],
        validators=[InputRequired(message=_l("Choose approve, return or reject."))])
    reason_code = SelectField(_l("Reason (required to return or reject)"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("Note (the examiner reads it)"), validators=[Length(max=1000)])


def _after() -> int | None:
    value = request.args.get("after", "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@bp.route("/")
@roles_required("reviewer")
def queue():
    """Submitted verifications waiting for a decision, oldest first, filtered, with counts per filter."""
    filters = Filters.from_args(request.args)
    items, next_after = queue_page(current_user, filters, _after())
    return render_template("review/queue.html", items=items, next_after=next_after, filters=filters,
                           counts=queue_counts(current_user), ages=AGES, flag_codes=FLAG_CODES,
                           labelled=_("%(title)s (%(n)s)"))  # a pattern: gettext leaves it unfilled


@bp.route("/bulk-approve", methods=["POST"])
@roles_required("reviewer")
def bulk_approve():
    """Approve items without any warning: first a confirmation listing them, then the approvals."""
    filters = Filters.from_args(request.args)
    ids = [int(v) for v in request.form.getlist("v") if v.isdigit() and len(v) < 12]
    eligible = unflagged(current_user, ids)
    if request.form.get("confirm") != "1":
        if not eligible:
            flash(_("None of these items can be approved in bulk: only items without any warning can."), "error")
            return redirect(url_for("review.queue", **filters.args()))
        verifications = [db.session.get(Verification, i) for i in eligible]  # at most one page of the queue
        return render_template("review/bulk.html", verifications=verifications, filters=filters)
    if set(ids) != set(eligible):
        flash(_("Some of these items changed since the list was shown; nothing was approved. Check the list "
                "again."), "error")
        return redirect(url_for("review.queue", **filters.args()))

    def approve_all() -> int:
        for vid in eligible:
            decide(db.session.get(Verification, vid), current_user, "approve", "")
        return len(eligible)

    change_and_flash(approve_all, lambda n: _("Approved: %(n)s.", n=n))
    return redirect(url_for("review.queue", **filters.args()))


@bp.route("/<int:verification_id>", methods=["GET", "POST"])
@roles_required("reviewer")
@with_reviewable_verification
def show(verification: Verification):
    """One verification: finding and counts first, then the evidence, then the decision."""
    filters = Filters.from_args(request.args)
    preload(verification)
    settings = settings_of(verification.task.claim.report.cycle)
    form = DecisionForm()
    form.reason_code.choices = [("", _("— choose a reason —"))] + [
        (code, settings.reason_label(code, str(get_locale() or "zh"))) for code, _zh, _en in
        settings.review_reasons]
    error = None
    next_id = next_in_queue(current_user, filters, verification.id)
    if form.validate_on_submit():
        saved = []
        error = change_or_error(lambda: saved.append(decide(verification, current_user, form.decision.data,
                                                            form.reason.data or "", form.reason_code.data or "")))
        if error is None:
            proposed = saved[0].decision == PROPOSED_REJECTION
            flash(_("Rejection proposed: it takes effect when a second reviewer confirms it.") if proposed
                  else _("Decision saved."))
            if next_id is not None:
                return redirect(url_for("review.show", verification_id=next_id, **filters.args()))
            return redirect(url_for("review.queue", **filters.args()))
    elif form.errors:
        error = next(iter(form.errors.values()))[0]
    disagreement, other = counterpart_disagreement(verification.task)
    pending = pending_rejection(verification)
    return render_template("review/show.html", v=verification, form=form, error=error,
                           ev=evidence_view(verification), disagreement=disagreement, other=other,
                           pending=pending, settings=settings, filters=filters, next_id=next_id,
                           can_decide=can_decide(verification.task, verification)), (400 if error else 200)

