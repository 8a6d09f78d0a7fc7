"""Organizer pages: freeze the frame, draw the sample, assign examiners."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..accounts.access import roles_required
from ..accounts.models import User
from ..audit.models import record
from ..cycles.views import cycle_or_404
from ..db import db
from ..errors import OperationError
from ..web import change_and_flash
from ..field.models import Task
from .models import SeedEntry
from .operations import (assign_task, confirm_seed_and_draw, enter_seed, extend_stratum, get_sample, publish_cycle,
                         refuse_second_draw)

bp = Blueprint("sampling", __name__, url_prefix="/cycles/<code>")


def pending_seed(cycle) -> SeedEntry | None:
    return db.session.scalar(sa.select(SeedEntry).where(SeedEntry.cycle_id == cycle.id))


class DrawForm(FlaskForm):
    seed = StringField(_l("Seed (the digits announced at the public draw)"),
                       validators=[DataRequired(), Length(max=400)])


@bp.route("/publish", methods=["POST"])
@roles_required("organizer")
def publish(code: str):
    """Freeze the frame and publish the reports."""
    cycle = cycle_or_404(code)
    change_and_flash(lambda: publish_cycle(cycle), lambda sha: _("Published. Frame SHA-256: %(sha)s", sha=sha))
    return redirect(url_for("cycles.show", code=code))


@bp.route("/draw", methods=["GET", "POST"])
@roles_required("organizer")
def draw(code: str):
    """The public seed ceremony: one organizer enters the seed, a second confirms it, then the draw."""
    cycle = cycle_or_404(code)
    form = DrawForm()
    error = None
    if form.validate_on_submit():
        action = request.form.get("action", "enter")
        try:
            run_draw_action(cycle, action, form.seed.data, "page")
            db.session.commit()
            if get_sample(cycle) is not None:
                flash(_("The sample is drawn."))
                return redirect(url_for("sampling.assign", code=code))
            flash(_("Seed entered. A second organizer must now confirm it."))
            return redirect(url_for("sampling.draw", code=code))
        except OperationError as exc:
            error = exc.message
    elif form.errors:
        error = _("Enter the seed: the digits announced at the public draw.")
    status = 409 if error and get_sample(cycle) else (400 if error else 200)
    return render_template("sampling/draw.html", cycle=cycle, form=form, error=error, sample=get_sample(cycle),
                           entry=pending_seed(cycle)), status


def run_draw_action(cycle, action: str, seed: str, via: str):
    """Enter or confirm the seed; a refused second draw is rolled back but kept on record."""
    user = current_user._get_current_object()
    try:
        if action == "confirm":
            return confirm_seed_and_draw(cycle, seed, user, via=via)
        return enter_seed(cycle, seed, user)
    except OperationError as exc:
        db.session.rollback()
        if exc.code == "already_drawn":
            refuse_second_draw(cycle, seed, via)
            db.session.commit()
        elif exc.code == "seed_mismatch":
            # The refused draw is rolled back; the attempt stays on record.
            record("seed.mismatch", "cycle", cycle.code, actor=user, after={"typed": seed, "via": via})
            db.session.commit()
        raise
    except IntegrityError:
        # A concurrent draw won the race; the unique sample per cycle refused this one.
        db.session.rollback()
        refused = refuse_second_draw(cycle, seed, via)
        db.session.commit()
        raise refused from None


@bp.route("/sample/extend", methods=["POST"])
@roles_required("organizer")
def extend(code: str):
    """Extend one stratum by the next lowest tickets (recorded, never undone)."""
    cycle = cycle_or_404(code)
    try:
        count = int(request.form.get("count", "0"))
    except ValueError:
        count = 0
    change_and_flash(
        lambda: extend_stratum(cycle, request.form.get("stratum", ""), count, current_user._get_current_object()),
        lambda added: _("%(n)d claims added to the sample.", n=len(added)))
    return redirect(url_for("sampling.assign", code=code))


@bp.route("/assign/plan", methods=["POST"])
@roles_required("organizer")
def plan(code: str):
    """Assign every unassigned task: no conflicts of interest, balanced loads, short day routes."""
    from ..assignment.operations import plan_and_assign

    cycle = cycle_or_404(code)
    result = change_and_flash(lambda: plan_and_assign(cycle, current_user._get_current_object()),
                              lambda plan: _("%(n)d tasks assigned.", n=len(plan.assignments)))
    for key, reason in result.unassignable if result else ():
        flash(_("Task %(key)s could not be assigned: %(reason)s", key=key, reason=reason), "error")
    return redirect(url_for("sampling.routes", code=code))


@bp.route("/routes")
@roles_required("organizer")
def routes(code: str):
    """Each examiner's open tasks as day routes with distances."""
    from ..assignment.operations import active_examiners, cycle_tasks, routes_for

    cycle = cycle_or_404(code)
    tasks = [t for kind in ("primary", "backcheck") for t in cycle_tasks(cycle, kind)
             if t.state in ("assigned", "returned")]
    plans = []
    for user in active_examiners():
        mine = [t for t in tasks if t.examiner_id == user.id]
        if mine:
            plans.append((user, routes_for(user, mine, cycle.max_route_km)))
    return render_template("sampling/routes.html", cycle=cycle, plans=plans)


@bp.route("/backchecks", methods=["POST"])
@roles_required("organizer")
def backchecks(code: str):
    """Draw the back-check share of approved verifications for independent second visits."""
    from ..assignment.operations import draw_cycle_backchecks

    cycle = cycle_or_404(code)
    change_and_flash(lambda: draw_cycle_backchecks(cycle, current_user._get_current_object()),
                     lambda created: _("%(n)d back-checks drawn and assigned.", n=len(created)))
    return redirect(url_for("sampling.routes", code=code))


@bp.route("/assign", methods=["GET", "POST"])
@roles_required("organizer")
def assign(code: str):
    """Assign the sampled claims to examiners."""
    cycle = cycle_or_404(code)
    sample = get_sample(cycle)
    examiners = [u for u in db.session.scalars(sa.select(User).order_by(User.username)) if u.has_role("examiner")]
    tasks = {item.claim_id: db.session.scalar(sa.select(Task).where(Task.claim_id == item.claim_id, Task.kind == "primary"))
             for item in (sample.items if sample else [])}
    errors = []
    if request.method == "POST":

        by_id = {str(u.id): u for u in examiners}
        changed = 0
        for task in tasks.values():
            choice = request.form.get(f"task-{task.id}")
            if choice is None:
                continue
            examiner = by_id.get(choice) if choice else None
            if choice and examiner is None:
                errors.append(_("Unknown examiner."))
                continue
            if (examiner.id if examiner else None) == task.examiner_id and task.state != "rejected":
                continue
            try:
                with db.session.begin_nested():
                    assign_task(task, examiner)
                changed += 1
            except OperationError as exc:
                errors.append(exc.message)
        db.session.commit()
        if changed:
            flash(_("%(n)d tasks assigned.", n=changed))
        if not errors:
            return redirect(url_for("sampling.assign", code=code))
    return render_template("sampling/assign.html", cycle=cycle, sample=sample, tasks=tasks,
                           examiners=examiners, errors=errors), (400 if errors else 200)
