"""Organizer pages: the list of cycles and a draft cycle's configuration."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..access import roles_required
from ..extensions import db
from ..web import change_or_error
from .access import with_cycle
from .defaults import DEFAULT_QUESTIONS
from .forms import CycleForm
from .models import Cycle
from .operations import (apply_settings, create_cycle, default_aspects, format_aspect_lines, parse_aspect_lines,
                         parse_question_lines, update_cycle)

bp = Blueprint("cycles", __name__, url_prefix="/cycles")


@bp.route("/", methods=["GET", "POST"])
@roles_required("organizer")
def index():
    """List the cycles and create a new one."""
    form = CycleForm()
    if not form.is_submitted():
        form.aspects.data = format_aspect_lines(default_aspects())
        form.questions.data = "\n".join(DEFAULT_QUESTIONS)
    error = None
    created = []
    if form.validate_on_submit():

        def create():
            cycle = create_cycle(form.code.data, form.title.data, parse_aspect_lines(form.aspects.data),
                                 parse_question_lines(form.questions.data), form.min_per_stratum.data)
            apply_settings(cycle, form.settings())
            created.append(cycle.code)

        error = change_or_error(create)
        if error is None:
            flash(_("Cycle %(code)s created.", code=created[0]))
            return redirect(url_for("dashboard.cycle", code=created[0]))
    elif form.errors:
        error = _("Check the highlighted fields.")
    cycles = db.session.scalars(sa.select(Cycle).order_by(Cycle.created_at.desc())).all()
    return render_template("cycles/index.html", cycles=cycles, form=form, error=error), (400 if error else 200)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@roles_required("organizer")
@with_cycle
def edit(cycle: Cycle):
    """Edit the aspects, weights and questions while the cycle is a draft."""
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
            return redirect(url_for("dashboard.cycle", code=cycle.code))
    elif form.errors:
        error = _("Check the highlighted fields.")
    return render_template("cycles/edit.html", cycle=cycle, form=form, error=error), (400 if error else 200)
