"""Organizer pages: cycles and their configuration."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..accounts.access import roles_required
from ..db import db
from ..errors import OperationError
from ..web import change_or_error
from ..field.models import Task
from ..reports.models import Claim, Report
from .forms import CycleForm
from .models import Cycle
from .operations import (DEFAULT_QUESTIONS, apply_settings, create_cycle, default_aspects, format_aspect_lines, get_cycle,
                         parse_aspect_lines, parse_question_lines, update_cycle)

bp = Blueprint("cycles", __name__, url_prefix="/cycles")


def cycle_or_404(code: str) -> Cycle:
    try:
        return get_cycle(code)
    except OperationError:
        abort(404)


@bp.route("/", methods=["GET", "POST"])
@roles_required("organizer")
def index():
    """List the cycles and create a new one."""
    form = CycleForm()
    if not form.is_submitted():
        form.aspects.data = format_aspect_lines(default_aspects())
        form.questions.data = "\n".join(DEFAULT_QUESTIONS)
    error = None
    if form.validate_on_submit():
        try:
            cycle = create_cycle(form.code.data, form.title.data, parse_aspect_lines(form.aspects.data),
                                 parse_question_lines(form.questions.data), form.min_per_stratum.data)
            apply_settings(cycle, form.settings())
            db.session.commit()
            flash(_("Cycle %(code)s created.", code=cycle.code))
            return redirect(url_for("cycles.show", code=cycle.code))
        except OperationError as exc:
            db.session.rollback()
            error = exc.message
    elif form.errors:
        error = _("Check the highlighted fields.")
    cycles = db.session.scalars(sa.select(Cycle).order_by(Cycle.created_at.desc())).all()
    return render_template("cycles/index.html", cycles=cycles, form=form, error=error), (400 if error else 200)


@bp.route("/<code>")
@roles_required("organizer")
def show(code: str):
    """The cycle's dashboard: reports, claims, sample and progress."""
    cycle = cycle_or_404(code)
    counts = dict(db.session.execute(
        sa.select(Task.state, sa.func.count()).join(Claim).join(Report)
        .where(Report.cycle_id == cycle.id, Task.kind == "primary").group_by(Task.state)).all())
    from ..sampling.operations import get_sample

    return render_template("cycles/show.html", cycle=cycle, task_counts=counts, sample=get_sample(cycle))


@bp.route("/<code>/edit", methods=["GET", "POST"])
@roles_required("organizer")
def edit(code: str):
    """Edit the aspects, weights and questions while the cycle is a draft."""
    cycle = cycle_or_404(code)
    form = CycleForm(obj=cycle)
    del form.code
    if not form.is_submitted():
        form.aspects.data = format_aspect_lines([(a.code, a.name_zh, a.name_en, a.weight) for a in cycle.aspects])
        form.questions.data = "\n".join(q.text for q in cycle.questions)
    error = None
    if form.validate_on_submit():
        error = change_or_error(lambda: update_cycle(cycle, form.title.data, parse_aspect_lines(form.aspects.data),
                                                     parse_question_lines(form.questions.data), form.settings()))
        if error is None:
            flash(_("Saved."))
            return redirect(url_for("cycles.show", code=cycle.code))
    elif form.errors:
        error = _("Check the highlighted fields.")
    return render_template("cycles/edit.html", cycle=cycle, form=form, error=error), (400 if error else 200)
