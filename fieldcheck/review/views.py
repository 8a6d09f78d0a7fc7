"""Reviewer pages: the queue and the decision on one verification."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..accounts.access import roles_required
from ..db import db
from ..errors import OperationError
from ..field.models import Task, Verification
from ..places.geo import geodesic_distance_m
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
    """Submitted verifications waiting for a decision (never one's own)."""
    tasks = db.session.scalars(sa.select(Task).where(Task.state == "submitted").order_by(Task.id)).all()
    from .operations import examined_claim

    tasks = [t for t in tasks if t.latest and not examined_claim(current_user, t.claim_id)]
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
def show(verification_id: int):
    """One verification with its evidence, and the decision form."""
    verification = db.session.get(Verification, verification_id)
    if verification is None:
        abort(404)
    form = DecisionForm()
    error = None
    if form.validate_on_submit():
        try:
            decide(verification, current_user, form.decision.data, form.reason.data or "")
            db.session.commit()
            flash(_("Decision saved."))
            return redirect(url_for("review.queue"))
        except OperationError as exc:
            db.session.rollback()
            if exc.status == 403:
                abort(403)
            error = exc.message
    elif form.errors:
        error = next(iter(form.errors.values()))[0]
    from ..assignment.operations import counterpart_disagreement

    disagreement, other = counterpart_disagreement(verification.task)
    return render_template("review/show.html", v=verification, form=form, error=error,
                           facts=evidence_facts(verification), disagreement=disagreement, other=other), \
        (400 if error else 200)
