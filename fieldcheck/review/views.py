"""Reviewer pages: the queue and the decision on one verification."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..access import roles_required
from ..assignment.models import Task
from ..assignment.operations import counterpart_disagreement
from ..assignment.states import can_decide
from ..extensions import db
from ..field.access import may_review, with_reviewable_verification
from ..field.models import Verification
from ..places.geo import geodesic_distance_m
from ..web import change_or_error
from .operations import decide

bp = Blueprint("review", __name__, url_prefix="/review")


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[
        ("approve", _l("Approve")), ("return", _l("Return for more evidence")), ("reject", _l("Reject"))],
        validators=[InputRequired(message=_l("Choose approve, return or reject."))])
    reason = TextAreaField(_l("Reason (required to return or reject; the examiner reads it)"),
                           validators=[Length(max=1000)])


@bp.route("/")
@roles_required("reviewer")
def queue():
    """Submitted verifications waiting for a decision (never one's own work, never one's own unit's claim)."""
    tasks = db.session.scalars(sa.select(Task).where(Task.state == "submitted").order_by(Task.id)).all()
    tasks = [t for t in tasks if t.latest and may_review(current_user, t)]
    return render_template("review/queue.html", tasks=tasks)


def evidence_facts(verification: Verification) -> dict:
    """Figures the reviewer weighs: geotag, its accuracy, distance to the claimed place."""
    place = verification.task.claim.place
    distance = None
    if place is not None and verification.lat is not None:
        distance = geodesic_distance_m((verification.lat, verification.lon), place.wgs84())
    return {"distance_m": distance, "place": place}


@bp.route("/<int:verification_id>", methods=["GET", "POST"])
@roles_required("reviewer")
@with_reviewable_verification
def show(verification: Verification):
    """One verification with its evidence, and the decision form."""
    form = DecisionForm()
    error = None
    if form.validate_on_submit():
        error = change_or_error(lambda: decide(verification, current_user, form.decision.data, form.reason.data or ""))
        if error is None:
            flash(_("Decision saved."))
            return redirect(url_for("review.queue"))
    elif form.errors:
        error = next(iter(form.errors.values()))[0]
    disagreement, other = counterpart_disagreement(verification.task)
    return render_template("review/show.html", v=verification, form=form, error=error,
                           facts=evidence_facts(verification), disagreement=disagreement, other=other,
                           can_decide=can_decide(verification.task, verification)), (400 if error else 200)
